// Per-group ranking statistics under ties: a model that gives candidates equal scores is credited with the
// expected value over a uniformly random order of the tied candidates, so no metric depends on input order.
#pragma once

#include <cstdint>
#include <vector>

namespace rgalign {

// Everything the aggregate metrics need from one group, computed from one sort of its scores.
struct GroupStats {
  int32_t n = 0;                  // candidates (impressions)
  int32_t n_pos = 0;              // candidates with label > 0 (clicks)
  double auc = 0.0;               // NaN when all labels are equal (the group is skipped for GAUC)
  double hits_at[3] = {};         // expected clicked candidates in the top 1, 3, 5
  double ndcg_at[2] = {};         // NDCG@3, NDCG@5 (linear gains = labels); 0 when n_pos == 0
  double reciprocal_rank = 0.0;   // expected 1/rank of the first clicked candidate
  double listwise_logloss = 0.0;  // -sum_i (y_i / sum y) log softmax(s)_i
};

constexpr int kRecallKs[3] = {1, 3, 5};
constexpr int kNdcgKs[2] = {3, 5};

// Scores and labels of one group, [n] each. `scratch` is reused between calls to avoid allocation.
GroupStats group_stats(const float* scores, const float* labels, int32_t n, std::vector<int32_t>& scratch);

// The same statistics through a full sort of the group: the reference the direct path is tested against, and
// the path taken for groups with many clicks.
GroupStats group_stats_sorted(const float* scores, const float* labels, int32_t n,
                              std::vector<int32_t>& scratch);

// Tie-aware DCG@k of one group (exposed for tests).
double dcg_at_k(const float* scores, const float* labels, int32_t n, int k);
double ideal_dcg_at_k(const float* labels, int32_t n, int k);

}  // namespace rgalign
