// Two-tower AutoInt + MoE ranker.
#include "rgalign/rank/two_tower_ranker.h"

namespace rgalign {

TwoTowerRanker::TwoTowerRanker(const RankerConfig& cfg) {
  user_ = register_module("user", UserTower(cfg));
  intents_ = register_module("intents", torch::nn::Embedding(cfg.n_intents, cfg.tower_dim));
  torch::nn::init::normal_(intents_->weight, /*mean=*/0.0, /*std=*/0.05);
  scorer_ = register_module("scorer", PairScorer(cfg.tower_dim, cfg.hidden_dim / 2, cfg.score == "mlp"));
}

torch::Tensor TwoTowerRanker::user_tower(const RankBatch& b) {
  return user_(b);
}  // [B, T]

torch::Tensor TwoTowerRanker::intent_tower() {
  return intents_->weight;
}  // [I, T]

torch::Tensor TwoTowerRanker::forward(const RankBatch& b) {
  auto u = user_tower(b);                                    // [B, T]
  auto all = intent_tower();                                 // [I, T]
  return mask_padded(scorer_(u, all, b.cand), b.cand_mask);  // [B, C]
}

}  // namespace rgalign
