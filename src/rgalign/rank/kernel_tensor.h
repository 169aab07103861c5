// The tensor layout the fused CPU kernels (user tower, QE-Rec pair stage, its training backward) read through
// raw pointers.
#pragma once

#include <torch/torch.h>

namespace rgalign {

// t as a contiguous float32 tensor (t itself when it already is one).
inline torch::Tensor contiguous_f32(const torch::Tensor& t) {
  return t.to(torch::kFloat32).contiguous();
}

}  // namespace rgalign
