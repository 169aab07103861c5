// Field embeddings.
#include "rgalign/rank/feature_embedding.h"

namespace rgalign {

FeatureEmbeddingImpl::FeatureEmbeddingImpl(const std::vector<int64_t>& single_cardinalities,
                                           const std::vector<int64_t>& multi_cardinalities, int64_t dim)
    : n_fields_(static_cast<int64_t>(single_cardinalities.size() + multi_cardinalities.size())) {
  std::vector<int64_t> so, mo;
  int64_t total = 0;
  for (int64_t c : single_cardinalities) {
    so.push_back(total);
    total += c;
  }
  for (int64_t c : multi_cardinalities) {
    mo.push_back(total);
    total += c;
  }
  table_ = register_module("table", torch::nn::Embedding(torch::nn::EmbeddingOptions(total, dim)));
  torch::nn::init::normal_(table_->weight, /*mean=*/0.0, /*std=*/0.05);
  single_offsets_ = register_buffer("single_offsets", torch::tensor(so, torch::kInt64));
  multi_offsets_ = register_buffer("multi_offsets", torch::tensor(mo, torch::kInt64));
}

torch::Tensor FeatureEmbeddingImpl::forward(const torch::Tensor& single, const torch::Tensor& multi,
                                            const torch::Tensor& mask) {
  auto s = table_(single + single_offsets_);  // [B, S, D]
  if (multi_offsets_.numel() == 0) return s;
  auto m = table_(multi + multi_offsets_.view({1, -1, 1}));                // [B, M, L, D]
  auto w = mask.unsqueeze(-1);                                             // [B, M, L, 1]
  auto pooled = (m * w).sum(/*dim=*/2) / w.sum(/*dim=*/2).clamp_min(1.0);  // [B, M, D]
  return torch::cat({s, pooled}, /*dim=*/1);                               // [B, S+M, D]
}

}  // namespace rgalign
