// Percentile bootstrap over groups. Per-group statistics are computed once; each resample only re-weights
// them (Poisson(1) counts per group), so nothing is re-sorted per resample.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rgalign/eval/ranking_metrics.h"

namespace rgalign {

struct Interval;

// 95% percentile intervals of gauc, recall@3 and ndcg@3 over `members` of `stats` (all when null).
// Deterministic for a seed whatever the thread count: resample b draws from its own stream (seed, b).
std::map<std::string, Interval> bootstrap_ci95(const std::vector<GroupStats>& stats,
                                               const std::vector<int32_t>* members, int resamples,
                                               uint64_t seed, int threads);

// Linear-interpolated percentile (numpy's default) of an unsorted sample; q in [0, 1].
double percentile(std::vector<double> values, double q);

}  // namespace rgalign
