// Truth files of simulated data (truth/<split>.jsonl): the true click probability of every candidate, used
// only for oracle metrics. Nothing here may reach a model.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "rgalign/data/intents.h"

namespace rgalign {

struct TruthRow {
  std::vector<int32_t> intents;  // catalogue indices
  std::vector<float> probs;      // [intents.size()]
};

class TruthIndex {
 public:
  // Strict: a malformed line, unknown intent or length mismatch throws naming the file and line.
  static TruthIndex load(const std::string& path, const IntentCatalog& catalog);
  const TruthRow* find(const std::string& request_id) const;
  size_t size() const { return rows_.size(); }

  // The true probabilities aligned to `candidates`; false when the request or any candidate is absent.
  bool probs_for(const std::string& request_id, const std::vector<int32_t>& candidates,
                 std::vector<float>& out) const;

 private:
  std::unordered_map<std::string, TruthRow> rows_;
};

std::string truth_to_json_line(const std::string& request_id, const std::vector<std::string>& intent_ids,
                               const std::vector<double>& probs);

}  // namespace rgalign
