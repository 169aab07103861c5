// A trained neural ranker loaded from its run directory (model_config.json, encoder.json, model.safetensors)
// for evaluation and serving.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "rgalign/data/schema.h"
#include "rgalign/rank/feature_encoder.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/rank/scorer.h"

namespace rgalign {

class Ranker;
class Reasoner;
class LatentCache;

// A neural run's parts: its configuration, feature encoder and model (weights loaded, eval mode).
struct LoadedRanker {
  RankerConfig config;
  FeatureEncoder encoder;
  std::shared_ptr<Ranker> model;
};
// Checks the run against the dataset (same intent catalogue size) and loads it.
LoadedRanker load_ranker_run(const std::string& run_dir, const Dataset& data);

class NeuralScorer : public Scorer {
 public:
  ~NeuralScorer() override;
  static std::unique_ptr<NeuralScorer> load(const std::string& run_dir, const Dataset& data);
  std::string model_name() const override { return name_; }
  void score(const Request& r, std::vector<float>& out) const override;
  void score_batch(const std::vector<Request>& rs, std::vector<std::vector<float>>& out) const override;

 private:
  std::string name_;
  FeatureEncoder encoder_;
  Schema schema_;  // for the text of text-bow requests
  std::shared_ptr<Ranker> model_;
  // qe-rec with a query tower: the reasoner and its cache give each request's latent query.
  std::unique_ptr<Reasoner> reasoner_;
  std::unique_ptr<LatentCache> cache_;
  std::string pooling_ = "last";
  int latent_tokens_ = 0;
  mutable std::mutex mu_;  // torch modules are not re-entrant for concurrent forward calls on shared buffers
};

}  // namespace rgalign
