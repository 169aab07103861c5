// Group bootstrap for confidence intervals (Poisson bootstrap).
#include "rgalign/eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
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

namespace {

// Ratio statistics (gauc, recall@3, ndcg@3) of each model in each resample: out[b][m * 3 + s]. `c` holds the
// models' contributions interleaved per group (c[g * models + m]); every model sees the same Poisson counts.
//
// Poisson bootstrap (Hanley & MacGibbon 2006; the usual form at scale): in each resample every group is
// counted Poisson(1) times, which approximates multinomial resampling of n groups ever more closely as n
// grows. Groups are visited in order and each resample keeps its own accumulators and random stream, so
// memory access is sequential and the result does not depend on the thread count.
std::vector<std::vector<double>> resample(const std::vector<Contribution>& c, int models, int resamples,
                                          uint64_t seed, int threads) {
  const PoissonOne poisson;
  const size_t n_groups = c.size() / static_cast<size_t>(models);
  const auto width = static_cast<size_t>(models) * 6;
  std::vector<std::vector<double>> out(static_cast<size_t>(resamples),
                                       std::vector<double>(static_cast<size_t>(models) * 3));
  auto run = [&](int lo, int hi) {
    constexpr size_t kChunk = 4096;  // groups per sweep, so a chunk stays in cache across resamples
    const int nb = hi - lo;
    std::vector<uint64_t> state(static_cast<size_t>(nb));
    std::vector<double> acc(static_cast<size_t>(nb) * width, 0.0);
    for (int b = 0; b < nb; ++b) state[static_cast<size_t>(b)] = mix64(seed, static_cast<uint64_t>(lo + b));
    for (size_t start = 0; start < n_groups; start += kChunk) {
      const size_t end = std::min(n_groups, start + kChunk);
      for (int b = 0; b < nb; ++b) {
        uint64_t st = state[static_cast<size_t>(b)];
        double* a = &acc[static_cast<size_t>(b) * width];
        auto add = [&](size_t g, int w) {
          if (w == 0) return;
          for (int m = 0; m < models; ++m) {
            const Contribution& x = c[g * static_cast<size_t>(models) + static_cast<size_t>(m)];
            double* am = a + m * 6;
            am[0] += w * x.gauc_num;
            am[1] += w * x.gauc_den;
            am[2] += w * x.recall_num;
            am[3] += w * x.recall_den;
            am[4] += w * x.ndcg_num;
            am[5] += w * x.ndcg_den;
          }
        };
        for (size_t g = start; g < end; g += 2) {
          const uint64_t r = splitmix_next(st);  // two 32-bit uniforms: groups g and g + 1
          add(g, poisson.draw(static_cast<uint32_t>(r)));
          if (g + 1 < end) add(g + 1, poisson.draw(static_cast<uint32_t>(r >> 32)));
        }
        state[static_cast<size_t>(b)] = st;
      }
    }
    for (int b = 0; b < nb; ++b) {
      const double* a = &acc[static_cast<size_t>(b) * width];
      auto& o = out[static_cast<size_t>(lo + b)];
      for (int m = 0; m < models; ++m) {
        o[static_cast<size_t>(m) * 3 + 0] = ratio(a[m * 6 + 0], a[m * 6 + 1]);
        o[static_cast<size_t>(m) * 3 + 1] = ratio(a[m * 6 + 2], a[m * 6 + 3]);
        o[static_cast<size_t>(m) * 3 + 2] = ratio(a[m * 6 + 4], a[m * 6 + 5]);
      }
    }
  };
  if (n_groups > 0 && resamples > 0) {
    const int t = std::max(1, std::min(threads, resamples));
    std::vector<std::thread> pool;
    for (int i = 1; i < t; ++i) pool.emplace_back(run, resamples * i / t, resamples * (i + 1) / t);
    run(0, resamples / t);
    for (auto& th : pool) th.join();
  }
  return out;
}

const char* const kStatNames[3] = {"gauc", "recall@3", "ndcg@3"};

std::vector<Contribution> contributions(const std::vector<const std::vector<GroupStats>*>& models,
                                        const std::vector<int32_t>* members) {
  std::vector<Contribution> c;
  const size_t n = members ? members->size() : models[0]->size();
  c.reserve(n * models.size());
  for (size_t k = 0; k < n; ++k) {
    const size_t g = members ? static_cast<size_t>((*members)[k]) : k;
    for (const auto* m : models) c.push_back(contribution((*m)[g]));
  }
  return c;
}

}  // namespace

std::map<std::string, Interval> bootstrap_ci95(const std::vector<GroupStats>& stats,
                                               const std::vector<int32_t>* members, int resamples,
                                               uint64_t seed, int threads) {
  const auto sums = resample(contributions({&stats}, members), 1, resamples, seed, threads);
  std::map<std::string, Interval> out;
  for (int s = 0; s < 3; ++s) {
    std::vector<double> v;
    v.reserve(sums.size());
    for (const auto& r : sums) v.push_back(r[static_cast<size_t>(s)]);
    out[kStatNames[s]] = {percentile(v, 0.025), percentile(v, 0.975)};
  }
  return out;
}

std::map<std::string, PairedDifference> paired_bootstrap(const std::vector<GroupStats>& a,
                                                         const std::vector<GroupStats>& b,
                                                         const std::vector<int32_t>* members, int resamples,
                                                         uint64_t seed, int threads) {
  if (a.size() != b.size())
    throw std::invalid_argument("paired bootstrap: the two models were scored on different groups");
  const std::vector<Contribution> c = contributions({&a, &b}, members);
  const auto sums = resample(c, 2, resamples, seed, threads);
  std::map<std::string, PairedDifference> out;
  // The point estimate: every group counted once.
  double acc[12] = {};
  for (size_t k = 0; k < c.size(); ++k) {
    double* am = acc + (k % 2) * 6;
    am[0] += c[k].gauc_num, am[1] += c[k].gauc_den, am[2] += c[k].recall_num;
    am[3] += c[k].recall_den, am[4] += c[k].ndcg_num, am[5] += c[k].ndcg_den;
  }
  for (int s = 0; s < 3; ++s) {
    std::vector<double> v;
    v.reserve(sums.size());
    for (const auto& r : sums) v.push_back(r[static_cast<size_t>(3 + s)] - r[static_cast<size_t>(s)]);
    PairedDifference d;
    d.diff = ratio(acc[6 + 2 * s], acc[6 + 2 * s + 1]) - ratio(acc[2 * s], acc[2 * s + 1]);
    d.ci95 = {percentile(v, 0.025), percentile(v, 0.975)};
    out[kStatNames[s]] = d;
  }
  return out;
}

}  // namespace rgalign
