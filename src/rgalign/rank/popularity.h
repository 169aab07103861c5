// The popularity baseline: per-market click frequency of each intent, additively smoothed. Needs no features;
// every neural ranker must beat it.
#pragma once

#include <string>
#include <unordered_map>

#include "rgalign/data/dataset.h"
#include "rgalign/rank/scorer.h"

namespace rgalign {

class PopularityModel : public Scorer {
 public:
  // Streams the training split; alpha is the additive smoothing per intent.
  static PopularityModel fit(const Dataset& data, const std::string& train_path, double alpha,
                             BadInputPolicy policy, BadInputLog* log);
  static PopularityModel load(const std::string& path, const Dataset& data);
  void save(const std::string& path) const;

  std::string model_name() const override { return "popularity"; }
  // log((clicks_i + alpha) / (clicks_market + alpha * intents_market))
  void score(const Request& r, std::vector<float>& out) const override;
  int64_t train_requests() const { return n_requests_; }

 private:
  const IntentCatalog* catalog_ = nullptr;
  double alpha_ = 1.0;
  int64_t n_requests_ = 0;
  std::unordered_map<std::string, double> intent_clicks_;  // by intent id
  std::unordered_map<std::string, double> market_clicks_;
};

}  // namespace rgalign
