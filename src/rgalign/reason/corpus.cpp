// Reasoner pretraining corpus.
#include "rgalign/reason/corpus.h"

#include <fstream>

#include "rgalign/data/prompt.h"
#include "rgalign/data/requests.h"

namespace rgalign {

std::string help_centre_entry(const Intent& intent) {
  std::string s = "Help centre (" + intent.market + ")\nQ: " + intent.title + "\nA: ";
  s += intent.description.empty() ? intent.title : intent.description;
  return s;
}

namespace {

// At most `limit` requests' prompts, spread evenly over the whole split.
std::vector<std::string> sampled_prompts(const Dataset& data, const std::string& split, int64_t limit,
                                         BadInputPolicy policy) {
  std::vector<std::string> out;
  if (limit <= 0 || !data.has_split(split)) return out;
  const std::string path = data.split_path(split);
  int64_t lines = 0;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) ++lines;
  }
  BadInputLog bad;
  RequestReader reader(path, data.schema(), data.catalog(), policy, &bad);
  Request r;
  // Request i is kept when i * limit / lines steps up: `limit` requests evenly spaced (all when fewer).
  for (int64_t i = 0; reader.next(r); ++i)
    if (lines <= limit || (i + 1) * limit / lines > i * limit / lines)
      out.push_back(render_prompt(r, data.schema()));
  bad.report(path);
  return out;
}

}  // namespace

ReasonerCorpus build_reasoner_corpus(const Dataset& data, const CorpusOptions& opt, BadInputPolicy policy) {
  ReasonerCorpus c;
  for (const auto& in : data.catalog().intents()) {
    c.train.push_back(intent_text(in));
    c.train.push_back(help_centre_entry(in));
  }
  for (auto& p : sampled_prompts(data, "train", opt.max_train_prompts, policy))
    c.train.push_back(std::move(p));
  c.valid = sampled_prompts(data, "valid", opt.max_valid_prompts, policy);
  return c;
}

}  // namespace rgalign
