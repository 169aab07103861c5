// Group bootstrap for confidence intervals.
#include "rgalign/eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "rgalign/common/hash.h"
#include "rgalign/eval/metrics.h"

namespace rgalign {

namespace {

// The three ratio statistics as numerator/denominator contributions of one group.
struct Contribution {
  double gauc_num, gauc_den, recall_num, recall_den, ndcg_num, ndcg_den;
};

Contribution contribution(const GroupStats& g) {
  Contribution c{};
  if (!std::isnan(g.auc)) {
    c.gauc_num = g.n * g.auc;
    c.gauc_den = g.n;
  }
  c.recall_num = g.hits_at[1];
  c.recall_den = g.n_pos;
  if (g.n_pos > 0) {
    c.ndcg_num = g.ndcg_at[0];
    c.ndcg_den = 1;
  }
  return c;
}

double ratio(double num, double den) { return den > 0 ? num / den : std::numeric_limits<double>::quiet_NaN(); }

}  // namespace

double percentile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double x) { return std::isnan(x); }),
               values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  double pos = q * static_cast<double>(values.size() - 1);
  auto lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

std::map<std::string, Interval> bootstrap_ci95(const std::vector<GroupStats>& stats,
                                               const std::vector<int32_t>* members, int resamples,
                                               uint64_t seed, int threads) {
  std::vector<Contribution> c;
  if (members) {
    c.reserve(members->size());
    for (int32_t g : *members) c.push_back(contribution(stats[static_cast<size_t>(g)]));
  } else {
    c.reserve(stats.size());
    for (const auto& g : stats) c.push_back(contribution(g));
  }
  const uint64_t n = c.size();
  std::vector<double> gauc(static_cast<size_t>(resamples)), recall(gauc.size()), ndcg(gauc.size());
  auto run = [&](int first, int step) {
    for (int b = first; b < resamples; b += step) {
      uint64_t state = mix64(seed, static_cast<uint64_t>(b));
      Contribution sum{};
      for (uint64_t i = 0; i < n; ++i) {
        // splitmix64 stream, then Lemire's multiply-shift to map onto [0, n).
        state += 0x9e3779b97f4a7c15ULL;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        const Contribution& x = c[static_cast<size_t>((static_cast<unsigned __int128>(z) * n) >> 64)];
        sum.gauc_num += x.gauc_num;
        sum.gauc_den += x.gauc_den;
        sum.recall_num += x.recall_num;
        sum.recall_den += x.recall_den;
        sum.ndcg_num += x.ndcg_num;
        sum.ndcg_den += x.ndcg_den;
      }
      gauc[b] = ratio(sum.gauc_num, sum.gauc_den);
      recall[b] = ratio(sum.recall_num, sum.recall_den);
      ndcg[b] = ratio(sum.ndcg_num, sum.ndcg_den);
    }
  };
  if (n > 0 && resamples > 0) {
    int t = std::max(1, std::min(threads, resamples));
    std::vector<std::thread> pool;
    for (int i = 1; i < t; ++i) pool.emplace_back(run, i, t);
    run(0, t);
    for (auto& th : pool) th.join();
  }
  std::map<std::string, Interval> out;
  out["gauc"] = {percentile(gauc, 0.025), percentile(gauc, 0.975)};
  out["recall@3"] = {percentile(recall, 0.025), percentile(recall, 0.975)};
  out["ndcg@3"] = {percentile(ndcg, 0.025), percentile(ndcg, 0.975)};
  return out;
}

}  // namespace rgalign
