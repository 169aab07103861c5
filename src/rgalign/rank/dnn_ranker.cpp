// DNN baseline ranker.
#include "rgalign/rank/dnn_ranker.h"

#include "rgalign/rank/score_head.h"

namespace rgalign {

DnnRanker::DnnRanker(const RankerConfig& cfg) {
  fields_ = register_module(
      "fields", FeatureEmbedding(cfg.single_cardinalities, cfg.multi_cardinalities, cfg.embed_dim));
  const int64_t in = fields_->n_fields() * cfg.embed_dim;
  mlp_ = register_module(
      "mlp", torch::nn::Sequential(torch::nn::Linear(in, 2 * cfg.hidden_dim), torch::nn::ReLU(),
                                   torch::nn::Linear(2 * cfg.hidden_dim, cfg.hidden_dim), torch::nn::ReLU(),
                                   torch::nn::Linear(cfg.hidden_dim, cfg.tower_dim)));
  intents_ = register_module("intents", torch::nn::Embedding(cfg.n_intents, cfg.tower_dim));
  torch::nn::init::normal_(intents_->weight, /*mean=*/0.0, /*std=*/0.05);
}

torch::Tensor DnnRanker::user_tower(const RankBatch& b) {
  auto tokens = fields_(b.single, b.multi, b.multi_mask);  // [B, F, D]
  return mlp_->forward(tokens.flatten(/*start_dim=*/1));   // [B, T]
}

torch::Tensor DnnRanker::forward(const RankBatch& b) {
  auto u = user_tower(b);                                       // [B, T]
  auto i = intents_(b.cand);                                    // [B, C, T]
  auto logits = torch::matmul(i, u.unsqueeze(-1)).squeeze(-1);  // [B, C]
  return mask_padded(logits, b.cand_mask);
}

}  // namespace rgalign
