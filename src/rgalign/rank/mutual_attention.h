// Mutual attention among the QE-Rec tower outputs of each (request, candidate) pair: the user, query and
// intent vectors are K tokens and each attends to the other K-1 (never to itself), single head, followed by a
// residual connection and LayerNorm. It runs over a list of pairs (each a request row and an intent), so a
// batch padded to its longest candidate list spends nothing on the padding. Nothing of size K x K x T is
// built per pair: the projections run on the per-request and per-intent tower outputs, request-to-intent
// scores come from one [B, I] product gathered at the pairs, and the attended values are weighted sums of the
// projected rows.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace rgalign {

class MutualAttentionImpl : public torch::nn::Module {
 public:
  explicit MutualAttentionImpl(int64_t dim);
  // per_request: K-1 tensors [B, T] (user, query); per_intent: [I, T] (all intents); pair_row, pair_intent:
  // [N] int64, pair n is request row pair_row[n] with intent pair_intent[n]; an undefined pair_row: every
  // request has N / B pairs, request 0's first.
  // Returns the K pair tokens after attention, each [N, T], the intent token last.
  // intent_proj: project(per_intent) when the caller keeps it between passes; null: computed here.
  std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& per_request,
                                     const torch::Tensor& per_intent, const torch::Tensor& pair_row,
                                     const torch::Tensor& pair_intent,
                                     const std::vector<torch::Tensor>* intent_proj = nullptr);
  // Query, key and value projections of tower outputs [N, T], each [N, T]. For the intents they depend on
  // weights alone.
  std::vector<torch::Tensor> project(const torch::Tensor& rows);
  std::vector<torch::Tensor> projection_weights() const { return {q_->weight, k_->weight, v_->weight}; }
  const torch::nn::LayerNorm& norm() const { return norm_; }

 private:
  int64_t dim_;
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(MutualAttention);

}  // namespace rgalign
