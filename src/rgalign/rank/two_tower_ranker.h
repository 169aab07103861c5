// The production baseline (RGAlign-Rec's starting point): a user tower of AutoInt self-attention layers over
// the field embeddings followed by a mixture-of-experts MLP, an intent tower over the intent id, and a pair
// scorer. The intent tower runs once per batch over all intents; candidates gather from it.
#pragma once

#include "rgalign/rank/ranker.h"
#include "rgalign/rank/score_head.h"
#include "rgalign/rank/user_tower.h"

namespace rgalign {

class TwoTowerRanker : public Ranker {
 public:
  explicit TwoTowerRanker(const RankerConfig& cfg);
  torch::Tensor forward(const RankBatch& b) override;
  torch::Tensor user_tower(const RankBatch& b);  // [B, T]
  torch::Tensor intent_tower();                  // [I, T], all intents
  void set_fused_inference(bool on) override { user_->set_fused_inference(on); }

 private:
  UserTower user_{nullptr};
  torch::nn::Embedding intents_{nullptr};
  PairScorer scorer_{nullptr};
};

}  // namespace rgalign
