// Ranking losses over a request's candidates. logits, labels: [B, C]; mask: [B, C] bool (real candidates).
#pragma once

#include <torch/torch.h>

namespace rgalign {

// ListNet (Cao et al. 2007, top-one form): cross-entropy between the softmax over the candidates and the
// labels normalised to sum 1; requests without a click contribute nothing. Mean over requests with a click.
torch::Tensor listnet_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                           const torch::Tensor& mask);

// Pointwise binary cross-entropy over real candidates (labels clipped to [0, 1]).
torch::Tensor bce_loss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& mask);

// KL(p_ref || p_model) of the candidate distributions, mean over requests: keeps a model near a reference
// ranker.
torch::Tensor kl_to_reference(const torch::Tensor& logits, const torch::Tensor& ref_logits,
                              const torch::Tensor& mask);

}  // namespace rgalign
