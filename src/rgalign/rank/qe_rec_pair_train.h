// QE-Rec's pair stage (mutual attention among a pair's tokens, then the MLP head) in training on the CPU: the
// fused forward of qe_rec_pair_kernel.h with a fused backward pass, as one autograd function.
//
// The module path keeps about twenty [N, T] intermediates and the head's [N, 5T] input for its backward (a
// 256-request batch of the default world has N = 46,000 real pairs: the head input alone is 59 MB, past the
// allocator's mmap threshold, so every step faults its pages in again), and autograd walks each one back.
// Here the forward keeps nothing but its inputs. The backward recomputes each pair's tokens in chunks of
// pairs that stay in cache, runs the head's products per chunk (its first layer again, then the two gradient
// products), and takes the attention and LayerNorm back pair by pair. Per-request gradients are written by the one task that owns the request;
// per-intent and weight gradients are summed per task and added up in task order, so a step's gradients
// depend on the thread count only, as the module path's do.
// Same function and gradients as the module path (a test holds scores to 1e-5, gradients to 1e-4).
#pragma once

#include <torch/torch.h>

#include "rgalign/rank/qe_rec_pair_kernel.h"

namespace rgalign {

// Whether training runs the fused pair stage for these tower outputs: float32 on the CPU, unless switched
// off.
bool qe_rec_pair_train_fused_applies(const torch::Tensor& token);
// Process-wide switch (on by default); off keeps training on the module path (benchmarks compare the two).
void set_qe_rec_pair_train_fused(bool on);

// The logits [B, C] of qe_rec_pair_logits (padded candidates -1e9), differentiable with respect to the
// request tokens and their projections, the intent tower and its projections, and every weight in `w`.
// in.prepared is not read: the function derives it from the weights.
torch::Tensor qe_rec_pair_logits_train(const QeRecPairInputs& in, const QeRecPairWeights& w);

}  // namespace rgalign
