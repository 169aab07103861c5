// The alignment losses: DPO over sequence log-probabilities, InfoNCE with masked keys, and NEFTune's noise
// on input embeddings.
#pragma once

#include <torch/torch.h>

namespace rgalign {

// Direct Preference Optimisation (Rafailov et al. 2023), mean over pairs of
//   -log sigmoid(beta * ((pi_w - ref_w) - (pi_l - ref_l)))
// where each argument is [P] summed log-probabilities of the chosen (w) or rejected (l) target tokens.
torch::Tensor dpo_loss(const torch::Tensor& policy_chosen, const torch::Tensor& policy_rejected,
                       const torch::Tensor& ref_chosen, const torch::Tensor& ref_rejected, double beta);

// InfoNCE over cosine similarities: anchors [B, D], keys [B, K, D] with the positive at key 0, key_mask
// [B, K] bool (false = absent key). Mean over rows of -log softmax(cos(a, k) / temperature)[0].
torch::Tensor info_nce(const torch::Tensor& anchors, const torch::Tensor& keys, const torch::Tensor& key_mask,
                       double temperature);

// NEFTune (Jain et al. 2023): embeds [B, T, H] plus uniform noise in [-1, 1] scaled by alpha / sqrt(L * H),
// L the row's real tokens (mask [B, T], 1 = real); padded positions get none.
torch::Tensor neftune_noise(const torch::Tensor& embeds, const torch::Tensor& mask, double alpha);

}  // namespace rgalign
