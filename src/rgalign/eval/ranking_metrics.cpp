// Tie-aware per-group ranking statistics.
#include "rgalign/eval/ranking_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>

namespace rgalign {

namespace {

double discount(int64_t position) {
  return 1.0 / std::log2(static_cast<double>(position) + 1.0);
}

// Sorts indices by score, descending; ties keep index order (irrelevant: metrics average over tie blocks).
void sort_desc(const float* scores, int32_t n, std::vector<int32_t>& order) {
  order.resize(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
}

// Calls f(start, size) for each block of equal scores in `order` (0-based start position).
template <class F>
void for_each_tie_block(const float* scores, const std::vector<int32_t>& order, F&& f) {
  const auto n = static_cast<int64_t>(order.size());
  for (int64_t i = 0; i < n;) {
    int64_t j = i + 1;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    f(i, j - i);
    i = j;
  }
}

// Mean over positions start+1 .. start+size (1-based) of w(position), with w = 0 beyond k.
double mean_weight(int64_t start, int64_t size, int k, const std::function<double(int64_t)>& w) {
  double s = 0.0;
  for (int64_t p = start + 1; p <= std::min<int64_t>(start + size, k); ++p) s += w(p);
  return s / static_cast<double>(size);
}

double dcg_sorted(const float* scores, const float* labels, const std::vector<int32_t>& order, int k) {
  double dcg = 0.0;
  for_each_tie_block(scores, order, [&](int64_t start, int64_t size) {
    if (start >= k) return;
    double gain = 0.0;
    for (int64_t t = start; t < start + size; ++t) gain += labels[order[t]];
    dcg += gain * mean_weight(start, size, k, discount);
  });
  return dcg;
}

}  // namespace

double ideal_dcg_at_k(const float* labels, int32_t n, int k) {
  std::vector<float> sorted(labels, labels + n);
  std::sort(sorted.begin(), sorted.end(), std::greater<float>());
  double idcg = 0.0;
  for (int32_t i = 0; i < std::min<int32_t>(n, k); ++i) idcg += sorted[i] * discount(i + 1);
  return idcg;
}

double dcg_at_k(const float* scores, const float* labels, int32_t n, int k) {
  std::vector<int32_t> order;
  sort_desc(scores, n, order);
  return dcg_sorted(scores, labels, order, k);
}

GroupStats group_stats_sorted(const float* scores, const float* labels, int32_t n,
                              std::vector<int32_t>& order) {
  GroupStats g;
  g.n = n;
  sort_desc(scores, n, order);
  double label_sum = 0.0;
  for (int32_t i = 0; i < n; ++i) {
    g.n_pos += labels[i] > 0 ? 1 : 0;
    label_sum += labels[i];
  }
  const int32_t n_neg = n - g.n_pos;

  // AUC from the descending order: each positive beats the negatives in later blocks, ties count half.
  double auc_num = 0.0, neg_seen = 0.0;
  bool first_pos_seen = false;
  for_each_tie_block(scores, order, [&](int64_t start, int64_t size) {
    double p = 0, q = 0;
    for (int64_t t = start; t < start + size; ++t) (labels[order[t]] > 0 ? p : q) += 1;
    auc_num += p * (n_neg - neg_seen - q) + 0.5 * p * q;
    neg_seen += q;
    for (int r = 0; r < 3; ++r)
      g.hits_at[r] += p * mean_weight(start, size, kRecallKs[r], [](int64_t) { return 1.0; });
    if (!first_pos_seen && p > 0) {
      first_pos_seen = true;
      // First positive at offset j of a random order of the block: P(0) = p/m, P(j+1) = P(j) (m-p-j)/(m-1-j).
      double m = static_cast<double>(size), prob = p / m;
      for (int64_t j = 0; j <= size - static_cast<int64_t>(p) && prob > 0; ++j) {
        g.reciprocal_rank += prob / static_cast<double>(start + 1 + j);
        if (j + 1 < size) prob *= (m - p - j) / (m - 1 - j);
      }
    }
  });
  g.auc = (g.n_pos == 0 || n_neg == 0) ? std::numeric_limits<double>::quiet_NaN()
                                       : auc_num / (static_cast<double>(g.n_pos) * n_neg);
  if (g.n_pos > 0) {
    for (int r = 0; r < 2; ++r) {
      double idcg = ideal_dcg_at_k(labels, n, kNdcgKs[r]);
      g.ndcg_at[r] = idcg > 0 ? dcg_sorted(scores, labels, order, kNdcgKs[r]) / idcg : 0.0;
    }
    double mx = scores[order[0]], z = 0.0;
    for (int32_t i = 0; i < n; ++i) z += std::exp(static_cast<double>(scores[i]) - mx);
    double log_z = mx + std::log(z);
    for (int32_t i = 0; i < n; ++i)
      if (labels[i] > 0) g.listwise_logloss -= (labels[i] / label_sum) * (scores[i] - log_z);
  }
  return g;
}

namespace {

// Mean of the top-k weights over positions start+1 .. start+size: one block of tied candidates.
template <class W>
double block_mean(int64_t start, int64_t size, int k, W w) {
  double s = 0.0;
  for (int64_t p = start + 1; p <= std::min<int64_t>(start + size, k); ++p) s += w(p);
  return s / static_cast<double>(size);
}

}  // namespace

GroupStats group_stats(const float* scores, const float* labels, int32_t n, std::vector<int32_t>& scratch) {
  // Clicks are few per group, so each clicked candidate's tie block (how many score above it, how many tie
  // with it) is counted directly in O(n) instead of sorting the group. Many positives fall back to the sort.
  int32_t n_pos = 0;
  for (int32_t i = 0; i < n; ++i) n_pos += labels[i] > 0 ? 1 : 0;
  if (n_pos > 8) return group_stats_sorted(scores, labels, n, scratch);
  GroupStats g;
  g.n = n;
  g.n_pos = n_pos;
  const int32_t n_neg = n - n_pos;
  double label_sum = 0.0, auc_num = 0.0;
  int64_t best_start = INT64_MAX, best_size = 0, best_pos = 0;
  float pos_labels[8];
  int np = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (!(labels[i] > 0)) continue;
    pos_labels[np++] = labels[i];
    label_sum += labels[i];
    const float s = scores[i];
    int64_t above = 0, tied = 0, neg_below = 0, neg_tied = 0;
    for (int32_t j = 0; j < n; ++j) {
      const float t = scores[j];
      const bool neg = !(labels[j] > 0);
      above += t > s;
      tied += t == s;
      neg_below += neg && t < s;
      neg_tied += neg && t == s;
    }
    auc_num += neg_below + 0.5 * neg_tied;
    for (int r = 0; r < 3; ++r)
      g.hits_at[r] += block_mean(above, tied, kRecallKs[r], [](int64_t) { return 1.0; });
    for (int r = 0; r < 2; ++r) g.ndcg_at[r] += labels[i] * block_mean(above, tied, kNdcgKs[r], discount);
    if (above < best_start) {
      best_start = above;
      best_size = tied;
      best_pos = 0;
    }
    if (above == best_start) ++best_pos;
  }
  g.auc = (n_pos == 0 || n_neg == 0) ? std::numeric_limits<double>::quiet_NaN()
                                     : auc_num / (static_cast<double>(n_pos) * n_neg);
  if (n_pos == 0) return g;
  // ndcg_at holds DCG so far; divide by the ideal DCG of the clicked labels sorted descending.
  std::sort(pos_labels, pos_labels + np, std::greater<float>());
  for (int r = 0; r < 2; ++r) {
    double idcg = 0.0;
    for (int i = 0; i < std::min(np, kNdcgKs[r]); ++i) idcg += pos_labels[i] * discount(i + 1);
    g.ndcg_at[r] = idcg > 0 ? g.ndcg_at[r] / idcg : 0.0;
  }
  // First clicked candidate: within its tie block of m holding p clicks, offset j with P(0) = p/m,
  // P(j+1) = P(j) (m-p-j)/(m-1-j).
  const double m = static_cast<double>(best_size), p = static_cast<double>(best_pos);
  double prob = p / m;
  for (int64_t j = 0; j <= best_size - best_pos && prob > 0; ++j) {
    g.reciprocal_rank += prob / static_cast<double>(best_start + 1 + j);
    if (j + 1 < best_size) prob *= (m - p - j) / (m - 1 - j);
  }
  float mx = scores[0];
  for (int32_t i = 1; i < n; ++i) mx = std::max(mx, scores[i]);
  double z = 0.0;
  for (int32_t i = 0; i < n; ++i) z += std::exp(static_cast<double>(scores[i] - mx));
  const double log_z = mx + std::log(z);
  for (int32_t i = 0; i < n; ++i)
    if (labels[i] > 0) g.listwise_logloss -= (labels[i] / label_sum) * (scores[i] - log_z);
  return g;
}

}  // namespace rgalign
