// The built-in reasoner's pretraining corpus, from a dataset alone: the Knowledge Base's intent titles and
// descriptions (as plain text and as help-centre entries) and the rendered prompts of training requests.
// Never clicks, labels or truth: the reasoner plays a general-purpose language model before alignment.
// Validation text is the rendered prompts of the validation split, so the reported perplexity is on unseen
// requests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rgalign/data/dataset.h"

namespace rgalign {

struct ReasonerCorpus {
  std::vector<std::string> train, valid;  // documents
};

struct CorpusOptions {
  int64_t max_train_prompts = 20000;  // rendered training prompts, spread evenly over the split
  int64_t max_valid_prompts = 1000;
};

ReasonerCorpus build_reasoner_corpus(const Dataset& data, const CorpusOptions& opt, BadInputPolicy policy);

// An intent written as a help-centre entry (the corpus holds it beside intent_text()).
std::string help_centre_entry(const Intent& intent);

}  // namespace rgalign
