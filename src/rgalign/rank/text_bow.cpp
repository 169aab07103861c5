// Hashed bag of words.
#include "rgalign/rank/text_bow.h"

#include <algorithm>

#include "rgalign/common/hash.h"
#include "rgalign/data/prompt.h"
#include "rgalign/rank/feature_encoder.h"

namespace rgalign {

std::vector<int64_t> text_bow_ids(const std::string& text, const TextBowOptions& opt) {
  const std::vector<std::string> words = text_words(text);
  std::vector<int64_t> ids;
  auto add = [&](const std::string& term) {
    if (static_cast<int>(ids.size()) < opt.max_terms)
      ids.push_back(1 + static_cast<int64_t>(fnv1a64(term) % static_cast<uint64_t>(opt.buckets)));
  };
  for (size_t i = 0; i < words.size(); ++i) {
    add(words[i]);
    if (i + 1 < words.size()) add(words[i] + " " + words[i + 1]);
  }
  return ids;
}

std::string request_text(const Request& r, const Schema& schema) {
  return "market " + r.market + "\n" + render_features(r, schema);
}

int64_t pad_bow(const std::vector<std::vector<int64_t>>& rows, std::vector<int64_t>& ids,
                std::vector<float>& mask) {
  size_t L = 1;
  for (const auto& r : rows) L = std::max(L, r.size());
  ids.assign(rows.size() * L, 0);
  mask.assign(rows.size() * L, 0.0f);
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t k = 0; k < rows[i].size(); ++k) {
      ids[i * L + k] = rows[i][k];
      mask[i * L + k] = 1.0f;
    }
  return static_cast<int64_t>(L);
}

}  // namespace rgalign
