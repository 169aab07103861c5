// Group bootstrap for confidence intervals (Poisson bootstrap).
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
  float gauc_num, gauc_den, recall_num, recall_den, ndcg_num, ndcg_den;
};

Contribution contribution(const GroupStats& g) {
  Contribution c{};
  if (!std::isnan(g.auc)) {
    c.gauc_num = static_cast<float>(g.n * g.auc);
    c.gauc_den = static_cast<float>(g.n);
  }
  c.recall_num = static_cast<float>(g.hits_at[1]);
  c.recall_den = static_cast<float>(g.n_pos);
  if (g.n_pos > 0) {
    c.ndcg_num = static_cast<float>(g.ndcg_at[0]);
    c.ndcg_den = 1;
  }
  return c;
}

double ratio(double num, double den) {
  return den > 0 ? num / den : std::numeric_limits<double>::quiet_NaN();
}

// Poisson(1) by inversion: the CDF table below, compared against a 32-bit uniform.
struct PoissonOne {
  uint32_t cdf[12];
  PoissonOne() {
    double p = std::exp(-1.0), c = 0.0;
    for (int k = 0; k < 12; ++k) {
      c += p;
      p /= (k + 1);
      cdf[k] = static_cast<uint32_t>(std::min(4294967295.0, c * 4294967296.0));
    }
  }
  // Branch-free: the count of CDF steps at or below u (the draw is 0 with probability e^-1, so a loop's
  // branch would mispredict constantly).
  int draw(uint32_t u) const {
    int k = 0;
    for (int i = 0; i < 11; ++i) k += u >= cdf[i];
    return k;
  }
};

uint64_t splitmix_next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

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
  // Poisson bootstrap (Hanley & MacGibbon 2006; the usual form at scale): in each resample every group is
  // counted Poisson(1) times, which approximates multinomial resampling of n groups ever more closely as n
  // grows. Groups are visited in order and each resample keeps its own accumulators and random stream, so
  // memory access is sequential and the result does not depend on the thread count.
  std::vector<Contribution> c;
  if (members) {
    c.reserve(members->size());
    for (int32_t g : *members) c.push_back(contribution(stats[static_cast<size_t>(g)]));
  } else {
    c.reserve(stats.size());
    for (const auto& g : stats) c.push_back(contribution(g));
  }
  const PoissonOne poisson;
  std::vector<double> gauc(static_cast<size_t>(resamples)), recall(gauc.size()), ndcg(gauc.size());
  auto run = [&](int lo, int hi) {
    constexpr size_t kChunk = 4096;  // groups per sweep, so a chunk stays in cache across resamples
    const int nb = hi - lo;
    std::vector<uint64_t> state(static_cast<size_t>(nb));
    std::vector<double> acc(static_cast<size_t>(nb) * 6, 0.0);
    for (int b = 0; b < nb; ++b) state[static_cast<size_t>(b)] = mix64(seed, static_cast<uint64_t>(lo + b));
    for (size_t start = 0; start < c.size(); start += kChunk) {
      const size_t end = std::min(c.size(), start + kChunk);
      for (int b = 0; b < nb; ++b) {
        uint64_t st = state[static_cast<size_t>(b)];
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0;
        auto add = [&](size_t i, int w) {
          const Contribution& x = c[i];
          a0 += w * x.gauc_num;
          a1 += w * x.gauc_den;
          a2 += w * x.recall_num;
          a3 += w * x.recall_den;
          a4 += w * x.ndcg_num;
          a5 += w * x.ndcg_den;
        };
        for (size_t i = start; i < end; i += 2) {
          const uint64_t r = splitmix_next(st);  // two 32-bit uniforms: groups i and i + 1
          add(i, poisson.draw(static_cast<uint32_t>(r)));
          if (i + 1 < end) add(i + 1, poisson.draw(static_cast<uint32_t>(r >> 32)));
        }
        state[static_cast<size_t>(b)] = st;
        double* a = &acc[static_cast<size_t>(b) * 6];
        a[0] += a0, a[1] += a1, a[2] += a2, a[3] += a3, a[4] += a4, a[5] += a5;
      }
    }
    for (int b = 0; b < nb; ++b) {
      const double* a = &acc[static_cast<size_t>(b) * 6];
      gauc[static_cast<size_t>(lo + b)] = ratio(a[0], a[1]);
      recall[static_cast<size_t>(lo + b)] = ratio(a[2], a[3]);
      ndcg[static_cast<size_t>(lo + b)] = ratio(a[4], a[5]);
    }
  };
  if (!c.empty() && resamples > 0) {
    const int t = std::max(1, std::min(threads, resamples));
    std::vector<std::thread> pool;
    for (int i = 1; i < t; ++i) pool.emplace_back(run, resamples * i / t, resamples * (i + 1) / t);
    run(0, resamples / t);
    for (auto& th : pool) th.join();
  }
  std::map<std::string, Interval> out;
  out["gauc"] = {percentile(gauc, 0.025), percentile(gauc, 0.975)};
  out["recall@3"] = {percentile(recall, 0.025), percentile(recall, 0.975)};
  out["ndcg@3"] = {percentile(ndcg, 0.025), percentile(ndcg, 0.975)};
  return out;
}

}  // namespace rgalign
