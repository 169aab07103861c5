// Truth file reading and writing.
#include "rgalign/data/truth.h"

#include <fstream>

#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/data/jsonl.h"

namespace rgalign {

TruthIndex TruthIndex::load(const std::string& path, const IntentCatalog& catalog) {
  TruthIndex t;
  for_each_jsonl_line(
      path, "truth file", BadInputPolicy::kStrict, nullptr,
      [&](const std::string& line, const std::string& where) {
        Json j = parse_json(line, where);
        std::string id = require_string(j, "request_id", where);
        auto ids = require_string_array(j, "intent_ids", where);
        const Json& probs = require_field(j, "probs", where);
        if (!probs.is_array() || probs.size() != ids.size())
          throw InputError(where, "\"probs\" must be an array as long as \"intent_ids\"");
        TruthRow row;
        for (size_t k = 0; k < ids.size(); ++k) {
          int32_t idx = catalog.find(ids[k]);
          if (idx < 0) throw InputError(where, "unknown intent id \"" + ids[k] + "\"");
          row.intents.push_back(idx);
          row.probs.push_back(static_cast<float>(require_finite_number(probs[k], "probs", where)));
        }
        if (!t.rows_.emplace(id, std::move(row)).second)
          throw InputError(where, "duplicate request_id \"" + id + "\"");
      });
  return t;
}

const TruthRow* TruthIndex::find(const std::string& request_id) const {
  auto it = rows_.find(request_id);
  return it == rows_.end() ? nullptr : &it->second;
}

bool TruthIndex::probs_for(const std::string& request_id, const std::vector<int32_t>& candidates,
                           std::vector<float>& out) const {
  const TruthRow* row = find(request_id);
  if (!row) return false;
  out.assign(candidates.size(), 0.0f);
  if (row->intents == candidates) {
    out = row->probs;
    return true;
  }
  std::unordered_map<int32_t, float> by_intent;
  for (size_t k = 0; k < row->intents.size(); ++k) by_intent[row->intents[k]] = row->probs[k];
  for (size_t k = 0; k < candidates.size(); ++k) {
    auto it = by_intent.find(candidates[k]);
    if (it == by_intent.end()) return false;
    out[k] = it->second;
  }
  return true;
}

std::string truth_to_json_line(const std::string& request_id, const std::vector<std::string>& intent_ids,
                               const std::vector<double>& probs) {
  Json j;
  j["request_id"] = request_id;
  j["intent_ids"] = intent_ids;
  j["probs"] = probs;
  return j.dump();
}

}  // namespace rgalign
