// AUC computations.
#include "rgalign/eval/auc.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <thread>

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

namespace {

// LSD radix sort of 32-bit keys, 8 bits per pass; a pass whose digit is the same for every key is skipped.
void radix_sort_u32(std::vector<uint32_t>& keys) {
  std::vector<uint32_t> tmp(keys.size());
  for (int shift = 0; shift < 32; shift += 8) {
    size_t count[257] = {};
    for (uint32_t k : keys) ++count[((k >> shift) & 0xffu) + 1];
    bool trivial = false;
    for (int b = 1; b <= 256; ++b) trivial = trivial || count[b] == keys.size();
    if (trivial) continue;
    for (int b = 1; b <= 256; ++b) count[b] += count[b - 1];
    for (uint32_t k : keys) tmp[count[(k >> shift) & 0xffu]++] = k;
    keys.swap(tmp);
  }
}

}  // namespace

double pooled_auc(const std::vector<float>& scores, const std::vector<float>& labels) {
  // Only the positives are sorted (clicks are few). One pass over the negatives then locates each among the
  // distinct positive scores, through a table indexed by the top 16 key bits, and counts it as tied with that
  // score or below it. No copy of the negatives is made, so 200M impressions need no large buffers.
  std::vector<uint32_t> pos;
  for (size_t i = 0; i < scores.size(); ++i)
    if (labels[i] > 0) pos.push_back(float_order_key(scores[i]));
  const size_t n_pos = pos.size(), n_neg = scores.size() - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::numeric_limits<double>::quiet_NaN();
  radix_sort_u32(pos);
  std::vector<uint32_t> uniq;     // distinct positive keys, ascending
  std::vector<double> pos_count;  // positives per distinct key
  for (size_t i = 0; i < n_pos; ++i) {
    if (uniq.empty() || uniq.back() != pos[i]) {
      uniq.push_back(pos[i]);
      pos_count.push_back(0);
    }
    pos_count.back() += 1;
  }
  const size_t m = uniq.size();
  std::vector<uint32_t> first(65537);  // first[b] = index of the first distinct key with top bits >= b
  for (uint32_t b = 0, j = 0; b <= 65536; ++b) {
    while (j < m && (uniq[j] >> 16) < b) ++j;
    first[b] = j;
  }
  // between[j]: negatives strictly between uniq[j-1] and uniq[j] (j == m: above all); tied[j]: equal to
  // uniq[j].
  auto count_range = [&](size_t lo, size_t hi, std::vector<uint64_t>& between, std::vector<uint64_t>& tied) {
    between.assign(m + 1, 0);
    tied.assign(m, 0);
    for (size_t i = lo; i < hi; ++i) {
      if (labels[i] > 0) continue;
      const uint32_t x = float_order_key(scores[i]);
      const uint32_t b = x >> 16;
      const uint32_t* it = std::lower_bound(uniq.data() + first[b], uniq.data() + first[b + 1], x);
      const size_t j = static_cast<size_t>(it - uniq.data());
      if (j < m && uniq[j] == x)
        ++tied[j];
      else
        ++between[j];
    }
  };
  std::vector<uint64_t> between, tied, between2, tied2;
  const size_t mid = scores.size() / 2;
  std::thread other([&] { count_range(mid, scores.size(), between2, tied2); });
  count_range(0, mid, between, tied);
  other.join();
  double num = 0.0, below = 0.0;
  for (size_t j = 0; j < m; ++j) {
    below += static_cast<double>(between[j] + between2[j]);
    const double t = static_cast<double>(tied[j] + tied2[j]);
    num += pos_count[j] * (below + 0.5 * t);
    below += t;
  }
  return num / (static_cast<double>(n_pos) * static_cast<double>(n_neg));
}

}  // namespace rgalign
