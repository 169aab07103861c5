// Offline evaluation of a ranker on a dataset split: scores every request, joins truth for oracle metrics,
// tags segments (market, cold intent) and computes the DESIGN.md metrics.
#pragma once

#include <string>
#include <unordered_set>

#include "rgalign/data/dataset.h"
#include "rgalign/eval/metrics.h"
#include "rgalign/rank/scorer.h"

namespace rgalign {

// Requests are scored in chunks of the lines of one block of this many file lines, in one process or many:
// a request's score is then computed in the same batch whatever the world size, so distributed scores (and
// every metric) equal the single-process ones bit for bit. Distributed evaluation shards by these blocks.
constexpr int64_t kEvalBlockLines = 512;

struct EvalSplitOptions {
  std::string split = "test";
  std::string preds_out;  // optional predictions JSONL (the `rgalign metrics` input form)
  BadInputPolicy policy = BadInputPolicy::kStrict;
  MetricsOptions metrics;
  Shard shard;                                        // score only this share of the split's lines
  const std::unordered_set<int32_t>* warm = nullptr;  // intents clicked in train; null: read from train
};

// Intents with at least one click in the training split; the others are "cold" (segment "cold_intent").
std::unordered_set<int32_t> train_clicked_intents(const Dataset& data, const Shard& shard = {});

// Every request of the split (of opt.shard) scored and tagged with its segments (and truth when present);
// `lines`, when given, receives each group's file line.
GroupedScores score_split(const Scorer& scorer, const Dataset& data, const EvalSplitOptions& opt,
                          std::vector<int64_t>* lines = nullptr);
MetricSet evaluate_split(const Scorer& scorer, const Dataset& data, const EvalSplitOptions& opt);

}  // namespace rgalign
