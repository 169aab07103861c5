// Alignment losses.
#include "rgalign/align/losses.h"

namespace rgalign {

torch::Tensor dpo_loss(const torch::Tensor& policy_chosen, const torch::Tensor& policy_rejected,
                       const torch::Tensor& ref_chosen, const torch::Tensor& ref_rejected, double beta) {
  auto margin = (policy_chosen - ref_chosen) - (policy_rejected - ref_rejected);  // [P]
  return -torch::nn::functional::logsigmoid(beta * margin).mean();
}

torch::Tensor info_nce(const torch::Tensor& anchors, const torch::Tensor& keys, const torch::Tensor& key_mask,
                       double temperature) {
  auto a = torch::nn::functional::normalize(anchors, torch::nn::functional::NormalizeFuncOptions().dim(-1));
  auto k = torch::nn::functional::normalize(keys, torch::nn::functional::NormalizeFuncOptions().dim(-1));
  auto sim = torch::einsum("bd,bkd->bk", {a, k}) / temperature;  // [B, K]
  sim = sim.masked_fill(key_mask.logical_not(), -1e9);
  return -torch::log_softmax(sim, 1).select(1, 0).mean();
}

torch::Tensor neftune_noise(const torch::Tensor& embeds, const torch::Tensor& mask, double alpha) {
  if (alpha <= 0) return embeds;
  const auto H = static_cast<double>(embeds.size(2));
  auto m = mask.to(embeds.scalar_type()).unsqueeze(-1);                    // [B, T, 1]
  auto len = m.sum(1, /*keepdim=*/true).clamp_min(1.0);                    // [B, 1, 1]
  auto scale = alpha / torch::sqrt(len * H);                               // [B, 1, 1]
  auto noise = torch::empty_like(embeds).uniform_(-1.0, 1.0) * scale * m;  // [B, T, H]
  return embeds + noise;
}

}  // namespace rgalign
