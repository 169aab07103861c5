// Prediction file I/O.
#include "rgalign/eval/predictions.h"

#include <fstream>

#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"

namespace rgalign {

namespace {

std::vector<float> number_array(const Json& j, const char* key, const std::string& where, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) throw InputError(where, std::string("missing field \"") + key + "\"");
    return {};
  }
  if (!it->is_array()) throw InputError(where, std::string("\"") + key + "\" must be an array of numbers");
  std::vector<float> out;
  out.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i)
    out.push_back(static_cast<float>(
        require_finite_number((*it)[i], std::string(key) + "[" + std::to_string(i) + "]", where)));
  return out;
}

}  // namespace

PredictionLine parse_prediction_line(const std::string& text, const std::string& where) {
  Json j = parse_json(text, where);
  if (!j.is_object()) throw InputError(where, "expected a JSON object");
  PredictionLine p;
  p.request_id = optional_string(j, "request_id", where, "");
  p.scores = number_array(j, "scores", where, true);
  p.labels = number_array(j, "labels", where, true);
  p.truth = number_array(j, "truth", where, false);
  if (j.contains("intent_ids")) p.intent_ids = require_string_array(j, "intent_ids", where);
  if (j.contains("segments")) p.segments = require_string_array(j, "segments", where);
  if (p.scores.empty()) throw InputError(where, "empty group: \"scores\" is empty");
  if (p.labels.size() != p.scores.size())
    throw InputError(where, "\"labels\" has " + std::to_string(p.labels.size()) + " entries but \"scores\" has " +
                                std::to_string(p.scores.size()));
  if (!p.truth.empty() && p.truth.size() != p.scores.size())
    throw InputError(where, "\"truth\" must be as long as \"scores\"");
  if (!p.intent_ids.empty() && p.intent_ids.size() != p.scores.size())
    throw InputError(where, "\"intent_ids\" must be as long as \"scores\"");
  for (size_t i = 0; i < p.labels.size(); ++i)
    if (p.labels[i] < 0) throw InputError(where, "\"labels[" + std::to_string(i) + "]\" must be >= 0");
  return p;
}

std::string prediction_to_json_line(const PredictionLine& p) {
  Json j;
  j["request_id"] = p.request_id;
  if (!p.intent_ids.empty()) j["intent_ids"] = p.intent_ids;
  j["scores"] = p.scores;
  j["labels"] = p.labels;
  if (!p.truth.empty()) j["truth"] = p.truth;
  if (!p.segments.empty()) j["segments"] = p.segments;
  return j.dump();
}

GroupedScores read_predictions(const std::string& path, BadInputPolicy policy, BadInputLog* log) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open predictions file");
  GroupedScores data;
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      PredictionLine p = parse_prediction_line(line, location(path, lineno));
      data.add_group(p.scores, p.labels, p.truth, p.segments);
    } catch (const InputError& e) {
      if (policy == BadInputPolicy::kStrict) throw;
      log->add(e.what());
    }
  }
  return data;
}

}  // namespace rgalign
