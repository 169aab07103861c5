// QE-Rec's pair stage for inference on CPU: the mutual attention among a (request, candidate) pair's tokens
// and the MLP head, fused into one pass over the pairs. The module path (MutualAttention then head_) builds
// about twenty [N, T] intermediates per batch of N real pairs, an [N, 5T] concatenation and a 5T x H product
// per pair;
// serving and evaluation spend most of their time there. Here:
// - each pair's tokens are computed in small buffers and padded candidates are skipped;
// - the head's first layer on the three LayerNorm outputs is not a product per pair: LayerNorm is affine in
//   its input once the pair's mean m and inverse deviation r are known, and each token's input is a weighted
//   sum of per-request and per-intent vectors, so W (gamma * (y - m) * r + beta) = r (sum of weights x [W
//   gamma] v over those vectors) - r m (W gamma) + W beta, whose [W gamma] v terms are computed once per
//   request or once per intent (`qe_rec_pair_prepare`, cached with the intent tower);
// - only the two products token * intent go through a matrix product, one per chunk of pairs that stays in
//   cache: 2T x H multiply-adds per pair instead of 5T x H.
// Same function as the module path (a test holds them to 1e-5). Training runs this forward with its own
// backward pass: qe_rec_pair_train.h.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace rgalign {

struct QeRecPairWeights {
  // The attention's LayerNorm.
  torch::Tensor norm_weight, norm_bias;  // [T], [T]
  double norm_eps = 1e-5;
  // The head: Linear(P*T -> H), ReLU, Linear(H -> 1); P = 2R + 1 parts [tokens..., intent, token*intent...].
  torch::Tensor w1, b1;  // [H, P*T], [H]
  torch::Tensor w2, b2;  // [1, H], [1]
};

// What the fused stage derives from the weights and the intents alone, computed once per weight version.
// W_p is the first layer's block for part p ([H, T]); R = number of request tokens.
struct QeRecPairPrepared {
  // Per intent, W_p gamma applied to what the intent contributes to each token's LayerNorm input
  // ([W_a gamma] V_j for request token a, [W_I gamma] x_j for the intent token).
  torch::Tensor intent_head;  // [I, (R+1) H]
  torch::Tensor blocks;       // [R+1, H, T]: W_p gamma, for the per-request terms
  torch::Tensor gamma_sums;   // [R+1, H]: W_p gamma
  torch::Tensor base;         // [H]: b1 + sum_p W_p beta
  torch::Tensor products_t;   // [R*T, H]: the blocks of the products token * intent, transposed

  std::vector<torch::Tensor> tensors() const { return {intent_head, blocks, gamma_sums, base, products_t}; }
  // From tensors() laid out at `first` in `list`.
  static QeRecPairPrepared from_tensors(const std::vector<torch::Tensor>& list, size_t first);
};

QeRecPairPrepared qe_rec_pair_prepare(const torch::Tensor& intent, const torch::Tensor& intent_v, int64_t R,
                                      const QeRecPairWeights& w);

struct QeRecPairInputs {
  // R request tokens (user, then query when the ranker has a query tower), each [B, T], and their attention
  // projections q, k, v, each R x [B, T].
  std::vector<torch::Tensor> tokens, q, k, v;
  // Every intent's tower output and its projections, each [I, T], and qe_rec_pair_prepare of them.
  torch::Tensor intent, intent_q, intent_k, intent_v;
  QeRecPairPrepared prepared;
  torch::Tensor cand;       // [B, C] int64 intent indices
  torch::Tensor cand_mask;  // [B, C] bool, false = padding
};

// Logits [B, C]; padded candidates get -1e9 (as mask_padded). Float32 CPU tensors.
torch::Tensor qe_rec_pair_logits(const QeRecPairInputs& in, const QeRecPairWeights& w);

}  // namespace rgalign
