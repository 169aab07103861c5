// Ranking losses.
#include "rgalign/rank/losses.h"

namespace rgalign {

namespace {
torch::Tensor masked_log_softmax(const torch::Tensor& logits, const torch::Tensor& mask) {
  return torch::log_softmax(logits.masked_fill(mask.logical_not(), -1e9), /*dim=*/-1);  // [B, C]
}
}  // namespace

torch::Tensor listnet_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                           const torch::Tensor& mask) {
  auto y = labels * mask.to(labels.scalar_type());                    // [B, C]
  auto total = y.sum(/*dim=*/-1, /*keepdim=*/true);                   // [B, 1]
  auto has_click = (total.squeeze(-1) > 0).to(logits.scalar_type());  // [B]
  auto target = y / total.clamp_min(1e-12);                           // [B, C]
  auto logp = masked_log_softmax(logits, mask);                       // [B, C]
  auto per_request = -(target * logp).sum(/*dim=*/-1);                // [B]
  return (per_request * has_click).sum() / has_click.sum().clamp_min(1.0);
}

torch::Tensor bce_loss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& mask) {
  auto m = mask.to(logits.scalar_type());
  auto l = torch::binary_cross_entropy_with_logits(logits, labels.clamp(0.0, 1.0), /*weight=*/{},
                                                   /*pos_weight=*/{},
                                                   at::Reduction::None);  // [B, C]
  return (l * m).sum() / m.sum().clamp_min(1.0);
}

torch::Tensor kl_to_reference(const torch::Tensor& logits, const torch::Tensor& ref_logits,
                              const torch::Tensor& mask) {
  auto logp = masked_log_softmax(logits, mask);      // [B, C]
  auto logq = masked_log_softmax(ref_logits, mask);  // [B, C]
  auto q = logq.exp() * mask.to(logits.scalar_type());
  return (q * (logq - logp)).sum(/*dim=*/-1).mean();
}

}  // namespace rgalign
