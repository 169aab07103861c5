// Two-tower AutoInt + MoE ranker.
#include "rgalign/rank/two_tower_ranker.h"

namespace rgalign {

TwoTowerRanker::TwoTowerRanker(const RankerConfig& cfg) {
  fields_ = register_module("fields", FeatureEmbedding(cfg.single_cardinalities, cfg.multi_cardinalities, cfg.embed_dim));
  attention_ = register_module("attention", torch::nn::ModuleList());
  int64_t dim = cfg.embed_dim;
  for (int64_t l = 0; l < cfg.attn_layers; ++l) {
    attention_->push_back(AutoIntLayer(dim, cfg.attn_heads, cfg.attn_dim));
    dim = cfg.attn_heads * cfg.attn_dim;
  }
  moe_ = register_module("moe", MixtureOfExperts(fields_->n_fields() * dim, cfg.hidden_dim, cfg.tower_dim, cfg.experts));
  intents_ = register_module("intents", torch::nn::Embedding(cfg.n_intents, cfg.tower_dim));
  torch::nn::init::normal_(intents_->weight, /*mean=*/0.0, /*std=*/0.05);
  scorer_ = register_module("scorer", PairScorer(cfg.tower_dim, cfg.hidden_dim / 2, cfg.score == "mlp"));
}

torch::Tensor TwoTowerRanker::user_tower(const RankBatch& b) {
  auto x = fields_(b.single, b.multi, b.multi_mask);                  // [B, F, D]
  for (const auto& layer : *attention_) x = layer->as<AutoIntLayer>()->forward(x);  // [B, F, H*d]
  return moe_(x.flatten(/*start_dim=*/1));                            // [B, T]
}

torch::Tensor TwoTowerRanker::intent_tower() { return intents_->weight; }  // [I, T]

torch::Tensor TwoTowerRanker::forward(const RankBatch& b) {
  auto u = user_tower(b);                                             // [B, T]
  auto all = intent_tower();                                          // [I, T]
  return mask_padded(scorer_(u, all, b.cand), b.cand_mask);           // [B, C]
}

}  // namespace rgalign
