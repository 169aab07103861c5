// Mutual attention among tower outputs.
#include "rgalign/rank/mutual_attention.h"

#include <cmath>

namespace rgalign {

MutualAttentionImpl::MutualAttentionImpl(int64_t dim) : dim_(dim) {
  q_ = register_module("q", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(false)));
  k_ = register_module("k", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(false)));
  v_ = register_module("v", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(false)));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
}

std::vector<torch::Tensor> MutualAttentionImpl::project(const torch::Tensor& rows) {
  return {q_(rows), k_(rows), v_(rows)};  // each [N, T]
}

std::vector<torch::Tensor> MutualAttentionImpl::forward(const std::vector<torch::Tensor>& per_request,
                                                        const torch::Tensor& per_intent,
                                                        const torch::Tensor& pair_row,
                                                        const torch::Tensor& pair_intent,
                                                        const std::vector<torch::Tensor>* intent_proj) {
  const int64_t I = per_intent.size(0);
  const auto R = static_cast<int64_t>(per_request.size());
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim_));
  const auto flat = pair_row * I + pair_intent;  // [N]: each pair's cell of a [B, I] table
  auto at_pairs = [&](const torch::Tensor& table) {  // [B, I] -> [N]
    return table.reshape({-1}).index_select(0, flat);
  };
  auto per_pair = [&](const torch::Tensor& rows) {  // [B, ...] -> [N, ...]
    return rows.index_select(0, pair_row);
  };
  std::vector<torch::Tensor> qr, kr, vr, vr_pairs;
  for (const auto& x : per_request) {
    qr.push_back(q_(x));  // [B, T]
    kr.push_back(k_(x));
    vr.push_back(v_(x));
    vr_pairs.push_back(per_pair(vr.back()));  // [N, T]
  }
  const std::vector<torch::Tensor> proj = intent_proj ? *intent_proj : project(per_intent);
  const auto& qi = proj[0];                                // [I, T]
  const auto& ki = proj[1];                                // [I, T]
  auto vi = proj[2].index_select(0, pair_intent);          // [N, T]
  auto xi = per_intent.index_select(0, pair_intent);       // [N, T]

  std::vector<torch::Tensor> out;
  // Request token a attends to the other request tokens and to the pair's intent token.
  for (int64_t a = 0; a < R; ++a) {
    std::vector<torch::Tensor> logits;  // each [N]
    for (int64_t b = 0; b < R; ++b)
      if (b != a) logits.push_back(per_pair((qr[a] * kr[b]).sum(-1)) * scale);
    logits.push_back(at_pairs(torch::matmul(qr[a], ki.t())) * scale);
    auto w = torch::softmax(torch::stack(logits, /*dim=*/-1), /*dim=*/-1);                  // [N, K-1]
    auto y = per_pair(per_request[a]) + w.select(-1, R - 1).unsqueeze(-1) * vi;            // [N, T]
    int64_t slot = 0;
    for (int64_t b = 0; b < R; ++b)
      if (b != a) y = y + w.select(-1, slot++).unsqueeze(-1) * vr_pairs[b];
    out.push_back(norm_(y));
  }
  // The intent token attends to every request token.
  std::vector<torch::Tensor> logits;
  for (int64_t b = 0; b < R; ++b) logits.push_back(at_pairs(torch::matmul(kr[b], qi.t())) * scale);  // [N]
  auto w = torch::softmax(torch::stack(logits, /*dim=*/-1), /*dim=*/-1);  // [N, R]
  auto y = xi;
  for (int64_t b = 0; b < R; ++b) y = y + w.select(-1, b).unsqueeze(-1) * vr_pairs[b];
  out.push_back(norm_(y));
  return out;
}

}  // namespace rgalign
