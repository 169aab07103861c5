// Bag-of-words of text as hashed word unigrams and bigrams: the text features of the `text-bow` ranker (the
// rendered request features, and each intent's title and description), everything QE-Rec has except the LLM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rgalign/data/intents.h"
#include "rgalign/data/requests.h"
#include "rgalign/data/schema.h"

namespace rgalign {

struct TextBowOptions {
  int64_t buckets = 1 << 15;  // hashed n-gram ids are 1..buckets; 0 pads
  int max_terms = 160;        // per text, in order of appearance
};

// Ids of the text's unigrams and bigrams (lower-cased words), at most max_terms.
std::vector<int64_t> text_bow_ids(const std::string& text, const TextBowOptions& opt);
// The request's text: its market and rendered features (the prompt without the fixed instruction).
std::string request_text(const Request& r, const Schema& schema);

// Pads rows of ids to the longest (at most max_terms): ids [N * L] and mask [N * L] row-major; returns L.
int64_t pad_bow(const std::vector<std::vector<int64_t>>& rows, std::vector<int64_t>& ids,
                std::vector<float>& mask);

}  // namespace rgalign
