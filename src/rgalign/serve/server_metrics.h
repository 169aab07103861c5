// The server's counters and histograms, written in the Prometheus text exposition format for GET /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rgalign {

// Cumulative histogram with fixed upper bounds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double x);
  // "<name>_bucket{le=...} n", "_sum", "_count" lines.
  std::string render(const std::string& name) const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // one per bound, plus +Inf
  double sum_ = 0;
  uint64_t n_ = 0;
};

class ServerMetrics {
 public:
  ServerMetrics();
  void request(const std::string& route, int status, double seconds);
  void cache(bool hit);
  void batch(size_t size);        // latent queries per reasoner pass
  void score_batch(size_t size);  // requests per ranker pass
  void fallback();
  void ignored_features(size_t n);
  std::string render(const std::string& model_version, size_t cache_entries, int64_t in_flight) const;
  double cache_hit_ratio() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  Histogram latency_, batch_, score_batch_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, fallbacks_{0}, ignored_{0};
};

}  // namespace rgalign
