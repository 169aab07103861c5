// QE-Rec, the three-tower Query-Enhanced ranker (DESIGN.md section 1): the production user tower (AutoInt +
// MoE), a query tower projecting the reasoner's latent-query embedding, and an intent tower of the intent-id
// embedding plus the projected embedding of the intent's text (so an intent never seen in training still has
// a representation). The three tower outputs of each (request, candidate) pair meet in mutual attention, then
// an MLP head over [u, q, i, u * i, q * i] gives the logit.
//
// Cold start: an intent that was never a training candidate has no trained id embedding, so its id part is
// zero (the `intent_seen` buffer) and it is represented by its text alone; intent-id dropout
// (config.intent_id_dropout) zeroes a random share of id embeddings in each training step, so that the text
// part learns to carry an intent on its own.
//
// Ablations through the config: query_dim 0 drops the query tower, intent_text_dim 0 the intent text.
#pragma once

#include "rgalign/rank/mutual_attention.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/rank/user_tower.h"

namespace rgalign {

class QeRecRanker : public Ranker {
 public:
  explicit QeRecRanker(const RankerConfig& cfg);
  // Needs b.query [B, E] when the config has a query tower.
  torch::Tensor forward(const RankBatch& b) override;
  // The intents' text embeddings [I, E], kept as a buffer and saved with the model.
  void set_intent_text(const torch::Tensor& embeddings);
  // 1 for intents that were candidates in training, 0 otherwise: [I] float. All ones until set.
  void set_intent_seen(const torch::Tensor& seen);
  torch::Tensor intent_tower();                           // [I, T]
  torch::Tensor query_tower(const torch::Tensor& query);  // [B, E] -> [B, T]

 private:
  bool use_query_, use_intent_text_;
  double id_dropout_;
  UserTower user_{nullptr};
  torch::nn::Sequential query_{nullptr}, intent_text_{nullptr};
  torch::nn::Embedding intents_{nullptr};
  MutualAttention attention_{nullptr};
  torch::nn::Sequential head_{nullptr};
  torch::Tensor intent_text_emb_;  // buffer [I, E]
  torch::Tensor intent_seen_;      // buffer [I]
};

}  // namespace rgalign
