// The decoder's causal grouped-query attention for inference on the CPU in float32, fused: each query row's
// scores, softmax and weighted sum of values are computed in one small buffer, over the keys it may see only.
// The module path builds [B, heads, T, S] score tensors and runs them through a batched matrix product that
// libtorch's CPU build splits into one small BLAS call per (batch row, head), a mask pass and a softmax pass;
// it also scores the masked half of a causal prefill. At the built-in reasoner's size (hidden 128, prompts of
// ~200 tokens) that was the larger part of a forward pass's time outside the projections. Same function as
// the module path (a test holds them to 1e-5); training keeps the module path for autograd.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace rgalign {

// Whether the fused kernel runs for these tensors: float32 on the CPU with gradients off.
bool fused_attention_applies(const torch::Tensor& q);

// What the kernel reads of an attention mask [B, S] (nonzero = a real position), derived once per forward
// pass and shared by its layers.
struct FusedKeyMask {
  torch::Tensor keep;          // [B, S] int32 on the CPU: -1 (all bits set) = real key, 0 = padding
  std::vector<int64_t> first;  // [B]: each row's first real key (S when it has none)
};
FusedKeyMask fused_key_mask(const torch::Tensor& mask);

// How the kernel computes a query row's scores. kRowDots: one dot product per key, for decoding steps (one
// query row per head). kTransposedKeys: each kv head's keys transposed once, then each query row times that
// matrix, for prefill (many query rows per head; about 2x the row dot products on a prompt at the built-in
// reasoner's shape, bench/bench_llm --attention 1). kAuto picks by the number of query rows.
enum class FusedScores { kAuto, kRowDots, kTransposedKeys };

// q [B, nh, T, hd], k and v [B, nkv, S, hd] (nh a multiple of nkv; any strides, hd contiguous), key_mask of a
// mask [B, S]. Query t sits at position S - T + t and attends, with scale 1 / sqrt(hd), to
// every real key at or before it, and always to itself (a padding query then has a key and no NaN appears).
// Query head h reads kv head h / (nh / nkv). Returns [B, T, nh * hd].
torch::Tensor causal_attention_fused(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                     const FusedKeyMask& key_mask, FusedScores scores = FusedScores::kAuto);

}  // namespace rgalign
