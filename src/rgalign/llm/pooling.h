// Sequence embeddings from hidden states: last-token pooling (the paper's latent-query embedding; the last
// real token of each row, whatever the padding side) or the mean over real tokens, optionally L2-normalised.
#pragma once

#include <torch/torch.h>

#include <string>

namespace rgalign {

enum class Pooling { kLast, kMean };
// "last" | "mean"; throws InputError naming the flag otherwise.
Pooling parse_pooling(const std::string& name);

// hidden [B, T, H], mask [B, T] (1 = real) -> [B, H]
torch::Tensor pool_hidden(const torch::Tensor& hidden, const torch::Tensor& mask, Pooling pooling,
                          bool l2_normalize);
// Index of each row's last real token: [B] int64.
torch::Tensor last_real_index(const torch::Tensor& mask);

}  // namespace rgalign
