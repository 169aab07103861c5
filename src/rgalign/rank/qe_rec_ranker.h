// QE-Rec, the three-tower Query-Enhanced ranker (DESIGN.md section 1): the production user tower (AutoInt +
// MoE), a query tower projecting the reasoner's latent-query embedding, and an intent tower of the intent-id
// embedding plus the projected embedding of the intent's text (so an intent never seen in training still has
// a representation). The three tower outputs of each (request, candidate) pair meet in mutual attention, then
// an MLP head over [u, q, i, u * i, q * i] gives the logit. With query_match, the scaled dot product of the
// query and intent towers is added to it.
//
// Ablations through the config: query_dim 0 drops the query tower, intent_text_dim 0 the intent text;
// tie_text_projection gives the latent query and the intent texts one projection (then `intent_text_` is
// `query_`, registered once).
#pragma once

#include "rgalign/rank/derived_cache.h"
#include "rgalign/rank/mutual_attention.h"
#include "rgalign/rank/qe_rec_pair_kernel.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/rank/user_tower.h"

namespace rgalign {

class QeRecRanker : public Ranker {
 public:
  explicit QeRecRanker(const RankerConfig& cfg);
  // Needs b.query [B, E] when the config has a query tower.
  torch::Tensor forward(const RankBatch& b) override;
  void begin_step(uint64_t step_seed) override { dropout_seed_ = step_seed; }
  // The intents' text embeddings [I, E], kept as a buffer and saved with the model.
  void set_intent_text(const torch::Tensor& embeddings);
  // [I, T]. Without gradients (evaluation, serving) it and its attention projections are the same for every
  // request until a weight changes, so they are computed once per version of the weights they read (every
  // intent passes through them: per request, that work grows with the catalogue, not the candidates).
  torch::Tensor intent_tower();
  torch::Tensor query_tower(const torch::Tensor& query);  // [B, E] -> [B, T]
  // Without gradients on CPU, forward runs the user tower and the pair stage fused (user_tower_kernel.h,
  // qe_rec_pair_kernel.h); with gradients, the pair stage runs fused with its backward (qe_rec_pair_train.h).
  void set_fused_inference(bool on) override {
    fused_inference_ = on;
    user_->set_fused_inference(on);
  }

 private:
  bool use_query_, use_intent_text_;
  double id_dropout_;
  uint64_t dropout_seed_ = 0;  // the next training pass's id-dropout draw; advanced by every pass
  UserTower user_{nullptr};
  torch::nn::Sequential query_{nullptr}, intent_text_{nullptr};
  torch::nn::Embedding intents_{nullptr};
  MutualAttention attention_{nullptr};
  torch::nn::Sequential head_{nullptr};
  torch::Tensor intent_text_emb_;  // buffer [I, E]
  torch::Tensor compute_intent_tower();
  // The intent tower and its attention projections (and, without gradients, what the fused pair stage
  // prepares from them and the head), kept between passes while nothing trains.
  std::vector<torch::Tensor> intent_side();
  QeRecPairWeights pair_weights() const;
  DerivedCache intent_cache_;
  bool fused_inference_ = true;
  // The pair stage (mutual attention + head) for tower outputs R x [B, T] and the intent side -> logits
  // [B, C].
  torch::Tensor pair_logits(const std::vector<torch::Tensor>& per_request,
                            const std::vector<torch::Tensor>& intent, const RankBatch& b);
  torch::Tensor fused_pair_logits(const std::vector<torch::Tensor>& per_request,
                                  const std::vector<torch::Tensor>& intent, const RankBatch& b);
  // query_match: the scaled dot product of the query tower [B, T] and each candidate's intent tower -> [B,
  // C].
  torch::Tensor match_logits(const torch::Tensor& query, const torch::Tensor& intent, const RankBatch& b);
  torch::Tensor match_scale_;  // [1]; undefined without query_match
  // The fused pair stage's inputs but `prepared`: the request tokens and their attention projections, the
  // intent side's first four tensors (tower, q, k, v), the candidates.
  QeRecPairInputs pair_inputs(const std::vector<torch::Tensor>& per_request,
                              const std::vector<torch::Tensor>& intent, const RankBatch& b);
};

}  // namespace rgalign
