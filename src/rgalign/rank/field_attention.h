// AutoInt's multi-head self-attention over a request's fields, on the CPU in float32, fused, with its
// backward pass (an autograd function): for every (request, head) the F x F scores, their softmax and the
// weighted sum of values are computed in small buffers straight from the packed q, k, v projections. The
// module path runs two batched matrix products that libtorch's CPU build splits into one small BLAS call per
// (request, head), each with its own packing and scaling passes, plus the permutes and copies around them;
// in training the AutoInt layers took over a third of the production two-tower's step. Same function and
// gradients as the module path (a test holds them to 1e-5).
#pragma once

#include <torch/torch.h>

namespace rgalign {

// Whether AutoInt layers run the fused function for this input: float32 on the CPU, unless switched off.
bool field_attention_fused_applies(const torch::Tensor& qkv);
// Process-wide switch (on by default); off keeps AutoInt on the module path (benchmarks compare the two).
void set_field_attention_fused(bool on);

// qkv [B, F, 3 * H * d]: per field, q for every head, then k, then v (a Linear's output, contiguous). Returns
// softmax(q k^T / sqrt(d)) v per head, [B, F, H * d], heads side by side; differentiable w.r.t. qkv.
torch::Tensor field_attention_fused(const torch::Tensor& qkv, int64_t heads, int64_t head_dim);

}  // namespace rgalign
