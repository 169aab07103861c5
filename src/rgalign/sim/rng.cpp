// Portable random number generation.
#include "rgalign/sim/rng.h"

#include <cmath>

#include "rgalign/common/error.h"

namespace rgalign::sim {

namespace {
uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
constexpr double kPi = 3.14159265358979323846;
}  // namespace

Rng::Rng(uint64_t seed) {
  for (auto& s : s_) s = splitmix(seed);
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}
double Rng::uniform(double lo, double hi) {
  return lo + (hi - lo) * uniform();
}
uint64_t Rng::below(uint64_t n) {
  RG_ASSERT(n > 0, "below(0)");
  return static_cast<uint64_t>((static_cast<unsigned __int128>(next_u64()) * n) >> 64);
}

double Rng::normal(double mean, double stddev) {
  double u1 = uniform(), u2 = uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

double Rng::lognormal(double median, double sigma) {
  return median * std::exp(normal(0.0, sigma));
}

double Rng::exponential(double mean) {
  return -mean * std::log(1.0 - uniform());
}

int Rng::poisson(double mean) {
  if (mean <= 0) return 0;
  if (mean > 50) return std::max(0, static_cast<int>(std::lround(normal(mean, std::sqrt(mean)))));
  double l = std::exp(-mean), p = 1.0;
  int k = 0;
  do {
    ++k;
    p *= uniform();
  } while (p > l);
  return k - 1;
}

size_t Rng::categorical(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  RG_ASSERT(total > 0, "categorical over zero weights");
  double u = uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.size() - 1;
}

double Rng::gumbel() {
  double u = uniform();
  if (u < 1e-300) u = 1e-300;
  return -std::log(-std::log(u));
}

}  // namespace rgalign::sim
