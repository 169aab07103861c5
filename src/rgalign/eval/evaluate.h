// Offline evaluation of a ranker on a dataset split: scores every request, joins truth for oracle metrics,
// tags segments (market, cold intent) and computes the DESIGN.md metrics.
#pragma once

#include <string>
#include <unordered_set>

#include "rgalign/data/dataset.h"
#include "rgalign/eval/metrics.h"
#include "rgalign/rank/scorer.h"

namespace rgalign {

struct EvalSplitOptions {
  std::string split = "test";
  std::string preds_out;  // optional predictions JSONL (the `rgalign metrics` input form)
  BadInputPolicy policy = BadInputPolicy::kStrict;
  MetricsOptions metrics;
};

// Intents with at least one click in the training split; the others are "cold" (segment "cold_intent").
std::unordered_set<int32_t> train_clicked_intents(const Dataset& data);

// Every request of the split scored and tagged with its segments (and truth when present).
GroupedScores score_split(const Scorer& scorer, const Dataset& data, const EvalSplitOptions& opt);
MetricSet evaluate_split(const Scorer& scorer, const Dataset& data, const EvalSplitOptions& opt);

}  // namespace rgalign
