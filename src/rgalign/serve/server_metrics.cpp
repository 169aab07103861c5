// Prometheus text for the server.
#include "rgalign/serve/server_metrics.h"

#include <cstdio>

namespace rgalign {

namespace {
std::string num(double x) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.9g", x);
  return buf;
}
}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double x) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t i = 0;
  while (i < bounds_.size() && x > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += x;
  ++n_;
}

std::string Histogram::render(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string s;
  uint64_t cum = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cum += counts_[i];
    s += name + "_bucket{le=\"" + num(bounds_[i]) + "\"} " + std::to_string(cum) + "\n";
  }
  cum += counts_.back();
  s += name + "_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
  s += name + "_sum " + num(sum_) + "\n" + name + "_count " + std::to_string(n_) + "\n";
  return s;
}

ServerMetrics::ServerMetrics()
    : latency_({0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}),
      batch_({1, 2, 4, 8, 16, 32, 64}),
      score_batch_({1, 2, 4, 8, 16, 32, 64}) {}

void ServerMetrics::request(const std::string& route, int status, double seconds) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[{route, status}];
  }
  if (route == "/v1/recommend") latency_.observe(seconds);
}

void ServerMetrics::cache(bool hit) {
  ++(hit ? hits_ : misses_);
}

void ServerMetrics::score_batch(size_t size) {
  score_batch_.observe(static_cast<double>(size));
}

void ServerMetrics::batch(size_t size) {
  batch_.observe(static_cast<double>(size));
}
void ServerMetrics::fallback() {
  ++fallbacks_;
}
void ServerMetrics::ignored_features(size_t n) {
  ignored_ += n;
}

double ServerMetrics::cache_hit_ratio() const {
  const double h = static_cast<double>(hits_.load()), m = static_cast<double>(misses_.load());
  return h + m > 0 ? h / (h + m) : 0.0;
}

std::string ServerMetrics::render(const std::string& model_version, size_t cache_entries,
                                  int64_t in_flight) const {
  std::string s;
  s += "# HELP rgalign_requests_total HTTP requests by route and status.\n# TYPE rgalign_requests_total "
       "counter\n";
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, n] : requests_)
      s += "rgalign_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  }
  s += "# HELP rgalign_request_seconds Latency of /v1/recommend.\n# TYPE rgalign_request_seconds histogram\n";
  s += latency_.render("rgalign_request_seconds");
  s += "# HELP rgalign_latent_batch_size Prompts per reasoner batch.\n# TYPE rgalign_latent_batch_size "
       "histogram\n";
  s += batch_.render("rgalign_latent_batch_size");
  s += "# HELP rgalign_score_batch_size Requests per ranker pass.\n# TYPE rgalign_score_batch_size "
       "histogram\n";
  s += score_batch_.render("rgalign_score_batch_size");
  s += "# TYPE rgalign_latent_cache_hits_total counter\nrgalign_latent_cache_hits_total " +
       std::to_string(hits_.load()) + "\n";
  s += "# TYPE rgalign_latent_cache_misses_total counter\nrgalign_latent_cache_misses_total " +
       std::to_string(misses_.load()) + "\n";
  s += "# TYPE rgalign_latent_cache_hit_ratio gauge\nrgalign_latent_cache_hit_ratio " +
       num(cache_hit_ratio()) + "\n";
  s += "# TYPE rgalign_latent_cache_entries gauge\nrgalign_latent_cache_entries " +
       std::to_string(cache_entries) + "\n";
  s += "# TYPE rgalign_fallback_answers_total counter\nrgalign_fallback_answers_total " +
       std::to_string(fallbacks_.load()) + "\n";
  s += "# TYPE rgalign_ignored_features_total counter\nrgalign_ignored_features_total " +
       std::to_string(ignored_.load()) + "\n";
  s += "# TYPE rgalign_in_flight gauge\nrgalign_in_flight " + std::to_string(in_flight) + "\n";
  s += "# TYPE rgalign_model_info gauge\nrgalign_model_info{version=\"" + model_version + "\"} 1\n";
  return s;
}

}  // namespace rgalign
