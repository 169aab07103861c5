// Field embeddings: every field's ids index one shared table through per-field offsets (one lookup per batch,
// not one per field); multi-valued fields are mean-pooled over their mask.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace rgalign {

class FeatureEmbeddingImpl : public torch::nn::Module {
 public:
  FeatureEmbeddingImpl(const std::vector<int64_t>& single_cardinalities,
                       const std::vector<int64_t>& multi_cardinalities, int64_t dim);
  // single [B, S], multi [B, M, L], mask [B, M, L] -> field tokens [B, S + M, D]
  torch::Tensor forward(const torch::Tensor& single, const torch::Tensor& multi, const torch::Tensor& mask);
  int64_t n_fields() const { return n_fields_; }
  const torch::Tensor& table() const { return table_->weight; }            // [N, D]
  const torch::Tensor& single_offsets() const { return single_offsets_; }  // [S] int64
  const torch::Tensor& multi_offsets() const { return multi_offsets_; }    // [M] int64

 private:
  torch::nn::Embedding table_{nullptr};
  torch::Tensor single_offsets_, multi_offsets_;  // buffers: [S], [M]
  int64_t n_fields_;
};
TORCH_MODULE(FeatureEmbedding);

}  // namespace rgalign
