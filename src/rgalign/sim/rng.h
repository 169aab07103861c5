// The simulator's random numbers: a small, portable generator (splitmix64 seeding, xoshiro256**) with its own
// distributions, so the same seed gives byte-identical worlds on every platform and standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace rgalign::sim {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next_u64();
  double uniform();                      // [0, 1)
  double uniform(double lo, double hi);  // [lo, hi)
  uint64_t below(uint64_t n);            // [0, n)
  bool bernoulli(double p) { return uniform() < p; }
  double normal(double mean = 0.0, double stddev = 1.0);
  double lognormal(double median, double sigma);  // median * exp(N(0, sigma))
  double exponential(double mean);
  int poisson(double mean);
  // Index drawn with probability proportional to weights (>= 0, not all zero).
  size_t categorical(const std::vector<double>& weights);
  double gumbel();

  template <class T>
  const T& choice(const std::vector<T>& items) {
    return items[static_cast<size_t>(below(items.size()))];
  }
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[static_cast<size_t>(below(i))]);
  }

 private:
  uint64_t s_[4];
};

}  // namespace rgalign::sim
