// AutoInt (Song et al., CIKM 2019): multi-head self-attention over field embeddings with a residual
// projection, so that feature interactions of any order are learned explicitly.
#pragma once

#include <torch/torch.h>

namespace rgalign {

class AutoIntLayerImpl : public torch::nn::Module {
 public:
  AutoIntLayerImpl(int64_t in_dim, int64_t heads, int64_t head_dim);
  // x [B, F, in] -> [B, F, heads * head_dim]
  torch::Tensor forward(const torch::Tensor& x);
  // The q, k, v and residual projections as one [4 * heads * head_dim, in] matrix, in that row order.
  torch::Tensor stacked_weight() const;
  int64_t heads() const { return heads_; }
  int64_t head_dim() const { return head_dim_; }

 private:
  torch::nn::Linear qkv_{nullptr}, residual_{nullptr};
  int64_t heads_, head_dim_;
};
TORCH_MODULE(AutoIntLayer);

}  // namespace rgalign
