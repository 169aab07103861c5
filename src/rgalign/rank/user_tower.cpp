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

UserTowerPrepared UserTowerImpl::prepared() {
  // [table, single offsets, multi offsets, gate w, gate b, w1, b1, w2, b2, layer 0, layer 1, ...]
  auto list = prepared_.get(parameters(), [&] {
    std::vector<torch::Tensor> v = {fields_->table(), fields_->single_offsets(), fields_->multi_offsets()};
    for (auto& t : moe_->stacked_weights()) v.push_back(t.contiguous());
    for (const auto& layer : *attention_)
      v.push_back(layer->as<AutoIntLayer>()->stacked_weight().t().contiguous());
    return v;
  });
  UserTowerPrepared p;
  p.table = list[0];
  p.single_offsets = list[1];
  p.multi_offsets = list[2];
  p.gate_w = list[3];
  p.gate_b = list[4];
  p.w1 = list[5];
  p.b1 = list[6];
  p.w2 = list[7];
  p.b2 = list[8];
  for (size_t i = 9; i < list.size(); ++i) p.layers.push_back(list[i]);
  for (const auto& layer : *attention_) {
    p.heads.push_back(layer->as<AutoIntLayer>()->heads());
    p.head_dims.push_back(layer->as<AutoIntLayer>()->head_dim());
  }
  return p;
}

torch::Tensor UserTowerImpl::forward_fused(const RankBatch& b) {
  return user_tower_fused(prepared(), b.single, b.multi, b.multi_mask);  // [B, T]
}

torch::Tensor UserTowerImpl::forward(const RankBatch& b) {
  // The fused pass is the faster one for the few requests a server batch holds (3x at one request); from
  // about six requests on, the module path's matrix products win (bench_serve_latency).
  constexpr int64_t kFusedMaxBatch = 4;
  const auto& table = fields_->table();
  if (fused_inference_ && b.size() <= kFusedMaxBatch && !is_training() && !torch::GradMode::is_enabled() &&
      table.device().is_cpu() && table.scalar_type() == torch::kFloat32)
    return forward_fused(b);
  auto x = fields_(b.single, b.multi, b.multi_mask);                                // [B, F, D]
  for (const auto& layer : *attention_) x = layer->as<AutoIntLayer>()->forward(x);  // [B, F, H*d]
  return moe_(x.flatten(/*start_dim=*/1));                                          // [B, T]
}

}  // namespace rgalign
