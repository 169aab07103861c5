// The production user tower (RGAlign-Rec's baseline): field embeddings -> AutoInt self-attention layers -> a
// mixture-of-experts MLP. Shared by the two-tower and text-bow rankers (and the QE-Rec user tower).
#pragma once

#include "rgalign/rank/autoint.h"
#include "rgalign/rank/feature_embedding.h"
#include "rgalign/rank/moe.h"
#include "rgalign/rank/ranker.h"

namespace rgalign {

class UserTowerImpl : public torch::nn::Module {
 public:
  explicit UserTowerImpl(const RankerConfig& cfg);
  // [B, T]
  torch::Tensor forward(const RankBatch& b);

 private:
  FeatureEmbedding fields_{nullptr};
  torch::nn::ModuleList attention_;
  MixtureOfExperts moe_{nullptr};
};
TORCH_MODULE(UserTower);

}  // namespace rgalign
