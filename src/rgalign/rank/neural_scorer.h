// A trained neural ranker loaded from its run directory (model_config.json, encoder.json, model.safetensors)
// for evaluation and serving.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "rgalign/data/schema.h"
#include "rgalign/rank/feature_encoder.h"
#include "rgalign/rank/scorer.h"

namespace rgalign {

class Ranker;

class NeuralScorer : public Scorer {
 public:
  static std::unique_ptr<NeuralScorer> load(const std::string& run_dir, const Dataset& data);
  std::string model_name() const override { return name_; }
  void score(const Request& r, std::vector<float>& out) const override;
  void score_batch(const std::vector<Request>& rs, std::vector<std::vector<float>>& out) const override;

 private:
  std::string name_;
  FeatureEncoder encoder_;
  Schema schema_;  // for the text of text-bow requests
  std::shared_ptr<Ranker> model_;
  mutable std::mutex mu_;  // torch modules are not re-entrant for concurrent forward calls on shared buffers
};

}  // namespace rgalign
