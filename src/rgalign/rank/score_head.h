// Scoring (user, intent) pairs: an MLP over [u, i, u * i] or a dot product, and the padding mask.
#pragma once

#include <torch/torch.h>

namespace rgalign {

// Padded candidates get a large negative logit (finite, so softmax and sums stay NaN-free).
torch::Tensor mask_padded(const torch::Tensor& logits, const torch::Tensor& cand_mask);

class PairScorerImpl : public torch::nn::Module {
 public:
  // use_mlp false: the dot product u . i
  PairScorerImpl(int64_t dim, int64_t hidden_dim, bool use_mlp);
  // user [B, T], all_intents [I, T] (the intent tower over every intent), cand [B, C] indices -> logits [B,
  // C]. The intent-only part of the first layer runs once per intent, not once per (request, candidate) pair.
  torch::Tensor forward(const torch::Tensor& user, const torch::Tensor& all_intents,
                        const torch::Tensor& cand);

 private:
  bool use_mlp_;
  torch::nn::Linear user_in_{nullptr}, intent_in_{nullptr}, product_in_{nullptr}, out_{nullptr};
};
TORCH_MODULE(PairScorer);

}  // namespace rgalign
