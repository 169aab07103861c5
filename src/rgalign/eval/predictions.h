// Prediction files for `rgalign metrics`: one group per line,
// {"request_id":..,"scores":[..],"labels":[..]} with optional "truth":[..] (true click probabilities, for
// oracle metrics), "intent_ids":[..] and "segments":["market:SG",..].
#pragma once

#include <string>
#include <vector>

#include "rgalign/data/bad_input.h"
#include "rgalign/eval/metrics.h"

namespace rgalign {

struct PredictionLine {
  std::string request_id;
  std::vector<std::string> intent_ids;  // optional
  std::vector<float> scores, labels, truth;
  std::vector<std::string> segments;
};

// Validates lengths, finiteness, non-negative labels and non-empty groups; errors name file, line and field.
PredictionLine parse_prediction_line(const std::string& text, const std::string& where);
std::string prediction_to_json_line(const PredictionLine& p);

// Streams a prediction file into groups; bad lines follow `policy`.
GroupedScores read_predictions(const std::string& path, BadInputPolicy policy, BadInputLog* log);

}  // namespace rgalign
