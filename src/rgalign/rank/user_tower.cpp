// Production user tower.
#include "rgalign/rank/user_tower.h"

namespace rgalign {

UserTowerImpl::UserTowerImpl(const RankerConfig& cfg) {
  fields_ = register_module(
      "fields", FeatureEmbedding(cfg.single_cardinalities, cfg.multi_cardinalities, cfg.embed_dim));
  attention_ = register_module("attention", torch::nn::ModuleList());
  int64_t dim = cfg.embed_dim;
  for (int64_t l = 0; l < cfg.attn_layers; ++l) {
    attention_->push_back(AutoIntLayer(dim, cfg.attn_heads, cfg.attn_dim));
    dim = cfg.attn_heads * cfg.attn_dim;
  }
  moe_ = register_module(
      "moe", MixtureOfExperts(fields_->n_fields() * dim, cfg.hidden_dim, cfg.tower_dim, cfg.experts));
}

torch::Tensor UserTowerImpl::forward(const RankBatch& b) {
  auto x = fields_(b.single, b.multi, b.multi_mask);                                // [B, F, D]
  for (const auto& layer : *attention_) x = layer->as<AutoIntLayer>()->forward(x);  // [B, F, H*d]
  return moe_(x.flatten(/*start_dim=*/1));                                          // [B, T]
}

}  // namespace rgalign
