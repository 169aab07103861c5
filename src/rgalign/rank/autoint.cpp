// AutoInt interacting layer.
#include "rgalign/rank/autoint.h"

#include <cmath>

#include "rgalign/rank/field_attention.h"

namespace rgalign {

AutoIntLayerImpl::AutoIntLayerImpl(int64_t in_dim, int64_t heads, int64_t head_dim)
    : heads_(heads), head_dim_(head_dim) {
  qkv_ = register_module(
      "qkv", torch::nn::Linear(torch::nn::LinearOptions(in_dim, 3 * heads * head_dim).bias(false)));
  residual_ = register_module(
      "residual", torch::nn::Linear(torch::nn::LinearOptions(in_dim, heads * head_dim).bias(false)));
}

torch::Tensor AutoIntLayerImpl::stacked_weight() const {
  return torch::cat({qkv_->weight, residual_->weight}, /*dim=*/0);  // [4 H d, in]
}

torch::Tensor AutoIntLayerImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), F = x.size(1);
  auto packed = qkv_(x);  // [B, F, 3 H d]
  torch::Tensor out;      // [B, F, H*d]
  if (field_attention_fused_applies(packed)) {
    out = field_attention_fused(packed, heads_, head_dim_);
  } else {
    auto qkv = packed.view({B, F, 3, heads_, head_dim_}).permute({2, 0, 3, 1, 4});  // [3, B, H, F, d]
    auto q = qkv[0], k = qkv[1], v = qkv[2];                                        // [B, H, F, d]
    auto att =
        torch::softmax(torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim_)),
                       /*dim=*/-1);                                                   // [B, H, F, F]
    out = torch::matmul(att, v).transpose(1, 2).reshape({B, F, heads_ * head_dim_});  // [B, F, H*d]
  }
  return torch::relu(out + residual_(x));  // [B, F, H*d]
}

}  // namespace rgalign
