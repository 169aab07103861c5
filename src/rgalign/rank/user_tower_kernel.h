// The production user tower's inference pass on CPU in float32, fused: field embeddings, the AutoInt layers
// and the mixture of experts computed in small per-request buffers from weights laid out once per weight
// version. The module path runs about fifty tensor operations per batch; at serving's batches of a few
// requests their fixed costs and BLAS's packing of every weight matrix on every call cost more than the
// arithmetic. Here the experts' rows are read once per chunk of requests and reused for each request in it.
// Same function as the module path (a test holds them to 1e-5); training keeps the module path for autograd.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace rgalign {

struct UserTowerPrepared {
  torch::Tensor table;                          // [N, D] field embedding table
  torch::Tensor single_offsets, multi_offsets;  // [S], [M] int64: each field's first row in the table
  // Per AutoInt layer: the q, k, v and residual projections stacked and transposed as one [in, 4 H d] matrix
  // (columns: q by head, k by head, v by head, residual), with its heads H and head size d.
  std::vector<torch::Tensor> layers;
  std::vector<int64_t> heads, head_dims;
  torch::Tensor gate_w, gate_b;  // [E, in], [E]
  torch::Tensor w1, b1;          // [E, hidden, in], [E, hidden]
  torch::Tensor w2, b2;          // [E, out, hidden], [E, out]
};

// single [B, S] int64, multi [B, M, L] int64, multi_mask [B, M, L] float32 -> user tower output [B, out].
torch::Tensor user_tower_fused(const UserTowerPrepared& p, const torch::Tensor& single,
                               const torch::Tensor& multi, const torch::Tensor& multi_mask);

}  // namespace rgalign
