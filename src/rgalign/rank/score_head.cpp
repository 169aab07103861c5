// Pair scoring.
#include "rgalign/rank/score_head.h"

namespace rgalign {

torch::Tensor mask_padded(const torch::Tensor& logits, const torch::Tensor& cand_mask) {
  return logits.masked_fill(cand_mask.logical_not(), -1e9);
}

PairScorerImpl::PairScorerImpl(int64_t dim, int64_t hidden_dim, bool use_mlp) : use_mlp_(use_mlp) {
  if (!use_mlp_) return;
  // The first layer of MLP([u, i, u*i]) split by input part (the same function), so that the user part runs
  // once per request and the intent part once per intent rather than once per candidate.
  user_in_ = register_module("user_in", torch::nn::Linear(dim, hidden_dim));
  intent_in_ =
      register_module("intent_in", torch::nn::Linear(torch::nn::LinearOptions(dim, hidden_dim).bias(false)));
  product_in_ =
      register_module("product_in", torch::nn::Linear(torch::nn::LinearOptions(dim, hidden_dim).bias(false)));
  out_ = register_module("out", torch::nn::Linear(hidden_dim, 1));
}

torch::Tensor PairScorerImpl::forward(const torch::Tensor& user, const torch::Tensor& all_intents,
                                      const torch::Tensor& cand) {
  const int64_t B = cand.size(0), C = cand.size(1);
  auto flat = cand.reshape({-1});                                                    // [B*C]
  auto intents = all_intents.index_select(0, flat).view({B, C, -1});                 // [B, C, T]
  auto u = user.unsqueeze(1);                                                        // [B, 1, T]
  if (!use_mlp_) return (intents * u).sum(/*dim=*/-1);                               // [B, C]
  auto per_intent = intent_in_(all_intents).index_select(0, flat).view({B, C, -1});  // [B, C, H]
  auto h = torch::relu(user_in_(u) + per_intent + product_in_(intents * u));         // [B, C, H]
  return out_(h).squeeze(-1);                                                        // [B, C]
}

}  // namespace rgalign
