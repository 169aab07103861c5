// AUC computations.
#include "rgalign/eval/auc.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace rgalign {

uint32_t float_order_key(float x) {
  if (x == 0.0f) x = 0.0f;  // fold -0 onto +0 so that they tie
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

double group_auc(const float* scores, const float* labels, int64_t n) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] < scores[b]; });
  double num = 0.0, neg_below = 0.0, n_pos = 0.0, n_neg = 0.0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    double p = 0, q = 0;
    while (j < n && scores[order[j]] == scores[order[i]]) {
      (labels[order[j]] > 0 ? p : q) += 1;
      ++j;
    }
    num += p * neg_below + 0.5 * p * q;
    neg_below += q;
    n_pos += p;
    n_neg += q;
    i = j;
  }
  if (n_pos == 0 || n_neg == 0) return std::numeric_limits<double>::quiet_NaN();
  return num / (n_pos * n_neg);
}

double pooled_auc(const std::vector<float>& scores, const std::vector<float>& labels) {
  const size_t n = scores.size();
  // key = order(score) << 1 | positive; sorting on bits 1..32 in three 11-bit passes groups equal scores.
  std::vector<uint64_t> keys(n), tmp(n);
  for (size_t i = 0; i < n; ++i)
    keys[i] = (static_cast<uint64_t>(float_order_key(scores[i])) << 1) | (labels[i] > 0 ? 1u : 0u);
  constexpr int kBits = 11;
  constexpr uint64_t kMask = (1u << kBits) - 1;
  for (int shift = 1; shift < 33; shift += kBits) {
    std::vector<size_t> count(kMask + 2, 0);
    for (uint64_t k : keys) ++count[((k >> shift) & kMask) + 1];
    for (size_t b = 1; b < count.size(); ++b) count[b] += count[b - 1];
    for (uint64_t k : keys) tmp[count[(k >> shift) & kMask]++] = k;
    keys.swap(tmp);
  }
  double num = 0.0, neg_below = 0.0, n_pos = 0.0, n_neg = 0.0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    double p = 0, q = 0;
    const uint64_t value = keys[i] >> 1;
    while (j < n && (keys[j] >> 1) == value) {
      ((keys[j] & 1u) ? p : q) += 1;
      ++j;
    }
    num += p * neg_below + 0.5 * p * q;
    neg_below += q;
    n_pos += p;
    n_neg += q;
    i = j;
  }
  if (n_pos == 0 || n_neg == 0) return std::numeric_limits<double>::quiet_NaN();
  return num / (n_pos * n_neg);
}

}  // namespace rgalign
