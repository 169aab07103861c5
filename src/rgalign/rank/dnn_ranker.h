// The `dnn` baseline: field embeddings -> MLP user vector, scored by a dot product with an intent-id
// embedding.
#pragma once

#include "rgalign/rank/feature_embedding.h"
#include "rgalign/rank/ranker.h"

namespace rgalign {

class DnnRanker : public Ranker {
 public:
  explicit DnnRanker(const RankerConfig& cfg);
  torch::Tensor forward(const RankBatch& b) override;
  // User vectors [B, T] (exposed for tests).
  torch::Tensor user_tower(const RankBatch& b);

 private:
  FeatureEmbedding fields_{nullptr};
  torch::nn::Sequential mlp_{nullptr};
  torch::nn::Embedding intents_{nullptr};
};

}  // namespace rgalign
