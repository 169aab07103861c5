// The `text-bow` ranker: the production user tower (AutoInt + MoE over the field embeddings) plus a bag of
// words of the rendered request features, and an intent tower of the intent-id embedding plus a bag of words
// of the intent's title and description (so an intent never clicked in training still has a representation).
// Both bags share one hashed n-gram embedding table, so a request's words and an intent's words meet in one
// space. It is QE-Rec without the LLM: the baseline that says whether a reasoner is worth its cost over plain
// text features.
#pragma once

#include "rgalign/rank/ranker.h"
#include "rgalign/rank/score_head.h"
#include "rgalign/rank/user_tower.h"

namespace rgalign {

class TextBowRanker : public Ranker {
 public:
  void set_fused_inference(bool on) override { user_->set_fused_inference(on); }
  explicit TextBowRanker(const RankerConfig& cfg);
  torch::Tensor forward(const RankBatch& b) override;
  // The intents' text as padded hashed n-gram ids [I, L] and mask [I, L]; kept as buffers, saved with the
  // model.
  void set_intent_text(const torch::Tensor& ids, const torch::Tensor& mask);
  torch::Tensor intent_tower();  // [I, T]

 private:
  torch::Tensor bag(const torch::Tensor& ids, const torch::Tensor& mask);  // [N, L] -> [N, Dw]
  UserTower user_{nullptr};
  torch::nn::Embedding words_{nullptr};
  torch::nn::Linear user_text_{nullptr}, intent_text_{nullptr};
  torch::nn::Embedding intents_{nullptr};
  PairScorer scorer_{nullptr};
  torch::Tensor intent_ids_, intent_mask_;  // buffers
};

}  // namespace rgalign
