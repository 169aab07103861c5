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
  const int64_t I = per_intent.size(0), T = dim_;
  const auto R = static_cast<int64_t>(per_request.size());
  const double scale = 1.0 / std::sqrt(static_cast<double>(T));
  const int64_t B = per_request.front().size(0), N = pair_intent.size(0);
  // Pairs are laid out as [P, Q] with N = P Q. Without a pair_row every request has Q = N / B pairs in order
  // ([B, Q]): a request's vectors broadcast over its pairs ([B, 1, .]), and their gradients are sums. With
  // one, the pairs are [1, N] and a request's vectors are gathered at its pairs ([1, N, .]).
  const bool dense = !pair_row.defined();
  const int64_t P = dense ? B : 1, Q = dense ? (B > 0 ? N / B : 0) : N;
  auto per_pair = [&](const torch::Tensor& rows) {  // [B, D] -> [B, 1, D] or [1, N, D]
    return dense ? rows.unsqueeze(1) : rows.index_select(0, pair_row).unsqueeze(0);
  };
  auto at_pairs = [&](const torch::Tensor& table) {  // [B, I] -> [P, Q]
    if (dense) return table.gather(1, pair_intent.view({P, Q}));
    return table.reshape({-1}).index_select(0, pair_row * I + pair_intent).view({1, N});
  };
  std::vector<torch::Tensor> qr, kr, vr, vr_pairs;
  for (const auto& x : per_request) {
    qr.push_back(q_(x));  // [B, T]
    kr.push_back(k_(x));
    vr.push_back(v_(x));
    vr_pairs.push_back(per_pair(vr.back()));
  }
  const std::vector<torch::Tensor> proj = intent_proj ? *intent_proj : project(per_intent);
  const auto& qi = proj[0];                                           // [I, T]
  const auto& ki = proj[1];                                           // [I, T]
  auto vi = proj[2].index_select(0, pair_intent).view({P, Q, T});     // [P, Q, T]
  auto xi = per_intent.index_select(0, pair_intent).view({P, Q, T});  // [P, Q, T]

  std::vector<torch::Tensor> out;
  // Request token a attends to the other request tokens and to the pair's intent token.
  for (int64_t a = 0; a < R; ++a) {
    std::vector<torch::Tensor> logits;  // each [P, Q]
    for (int64_t b = 0; b < R; ++b)
      if (b != a)
        logits.push_back(per_pair((qr[a] * kr[b]).sum(-1, /*keepdim=*/true)).squeeze(-1).expand({P, Q}) *
                         scale);
    logits.push_back(at_pairs(torch::matmul(qr[a], ki.t())) * scale);
    auto w = torch::softmax(torch::stack(logits, /*dim=*/-1), /*dim=*/-1);       // [P, Q, K-1]
    auto y = per_pair(per_request[a]) + w.select(-1, R - 1).unsqueeze(-1) * vi;  // [P, Q, T]
    int64_t slot = 0;
    for (int64_t b = 0; b < R; ++b)
      if (b != a) y = y + w.select(-1, slot++).unsqueeze(-1) * vr_pairs[b];
    out.push_back(norm_(y).view({N, T}));
  }
  // The intent token attends to every request token.
  std::vector<torch::Tensor> logits;
  for (int64_t b = 0; b < R; ++b) logits.push_back(at_pairs(torch::matmul(kr[b], qi.t())) * scale);  // [P, Q]
  auto w = torch::softmax(torch::stack(logits, /*dim=*/-1), /*dim=*/-1);  // [P, Q, R]
  auto y = xi;
  for (int64_t b = 0; b < R; ++b) y = y + w.select(-1, b).unsqueeze(-1) * vr_pairs[b];
  out.push_back(norm_(y).view({N, T}));
  return out;
}

}  // namespace rgalign
