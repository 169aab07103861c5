// Percentile bootstrap over groups. Per-group statistics are computed once; each resample only re-weights
// them (Poisson(1) counts per group), so nothing is re-sorted per resample.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rgalign/eval/metrics.h"
#include "rgalign/eval/ranking_metrics.h"

namespace rgalign {

// 95% percentile intervals of gauc, recall@3 and ndcg@3 over `members` of `stats` (all when null).
// Deterministic for a seed whatever the thread count: resample b draws from its own stream (seed, b).
std::map<std::string, Interval> bootstrap_ci95(const std::vector<GroupStats>& stats,
                                               const std::vector<int32_t>* members, int resamples,
                                               uint64_t seed, int threads);

// B minus A on the same groups: the point difference and the 95% percentile interval of the difference when
// both models are resampled together (the same Poisson counts per group), which is far tighter than comparing
// two separate intervals because per-group difficulty cancels.
struct PairedDifference {
  double diff = 0;
  Interval ci95;
};
// gauc, recall@3, ndcg@3 of `b` minus `a`; a and b hold the same groups in the same order.
std::map<std::string, PairedDifference> paired_bootstrap(const std::vector<GroupStats>& a,
                                                         const std::vector<GroupStats>& b,
                                                         const std::vector<int32_t>* members, int resamples,
                                                         uint64_t seed, int threads);

// Linear-interpolated percentile (numpy's default) of an unsorted sample; q in [0, 1].
double percentile(std::vector<double> values, double q);

}  // namespace rgalign
