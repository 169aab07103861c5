// Sequence embeddings from hidden states: last-token pooling (the paper's latent-query embedding; the last
// real token of each row, whatever the padding side) or the mean over real tokens, optionally L2-normalised.
// Latent queries also have query pooling: the mean over the latent-query text's own tokens (those after the
// prompt), or the prompt's last token when there is no text; where the prompt ends is known to the reasoner,
// which computes it (reason/reasoner.h), not to pool_hidden.
#pragma once

#include <torch/torch.h>

#include <string>

namespace rgalign {

enum class Pooling { kLast, kMean, kQuery };
// "last" | "mean" | "query"; throws InputError naming the flag otherwise.
Pooling parse_pooling(const std::string& name);

// hidden [B, T, H], mask [B, T] (1 = real) -> [B, H]; last or mean (query pooling is the mean over a mask
// that marks the text's tokens).
torch::Tensor pool_hidden(const torch::Tensor& hidden, const torch::Tensor& mask, Pooling pooling,
                          bool l2_normalize);
// Index of each row's last real token: [B] int64.
torch::Tensor last_real_index(const torch::Tensor& mask);

}  // namespace rgalign
