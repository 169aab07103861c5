// Tie-aware ROC AUC (Mann-Whitney U; a tied positive/negative pair counts one half), per group and pooled.
#pragma once

#include <cstdint>
#include <vector>

namespace rgalign {

// AUC of one group; labels > 0 are positives. Returns NaN when the group has no positive or no negative.
// Equal to scikit-learn's roc_auc_score on the same input.
double group_auc(const float* scores, const float* labels, int64_t n);

// AUC of all impressions pooled (the "auc" key). Exact: sorts the positives only and places each negative
// among them in one pass, so 200M impressions take seconds. Returns NaN when there is no positive or no
// negative.
double pooled_auc(const std::vector<float>& scores, const std::vector<float>& labels);

// Maps a float to a uint32 whose unsigned order is the float's order (-0 and +0 map alike).
uint32_t float_order_key(float x);

}  // namespace rgalign
