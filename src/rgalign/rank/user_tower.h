// The production user tower (RGAlign-Rec's baseline): field embeddings -> AutoInt self-attention layers -> a
// mixture-of-experts MLP. Shared by the two-tower and text-bow rankers (and the QE-Rec user tower).
#pragma once

#include "rgalign/rank/autoint.h"
#include "rgalign/rank/derived_cache.h"
#include "rgalign/rank/feature_embedding.h"
#include "rgalign/rank/moe.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/rank/user_tower_kernel.h"

namespace rgalign {

class UserTowerImpl : public torch::nn::Module {
 public:
  explicit UserTowerImpl(const RankerConfig& cfg);
  // [B, T]. Without gradients on CPU in float32, batches of a few requests run fused (user_tower_kernel.h).
  torch::Tensor forward(const RankBatch& b);
  // false keeps the module path at inference too (benchmarks compare the two).
  void set_fused_inference(bool on) { fused_inference_ = on; }
  // The fused pass whatever the batch size (no gradients, CPU, float32).
  torch::Tensor forward_fused(const RankBatch& b);

 private:
  UserTowerPrepared prepared();

  FeatureEmbedding fields_{nullptr};
  torch::nn::ModuleList attention_;
  MixtureOfExperts moe_{nullptr};
  DerivedCache prepared_;  // the fused pass's weight layout, per weight version
  bool fused_inference_ = true;
};
TORCH_MODULE(UserTower);

}  // namespace rgalign
