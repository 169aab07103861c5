// Text bag-of-words ranker.
#include "rgalign/rank/text_bow_ranker.h"

#include "rgalign/common/error.h"

namespace rgalign {

TextBowRanker::TextBowRanker(const RankerConfig& cfg) {
  user_ = register_module("user", UserTower(cfg));
  words_ = register_module("words", torch::nn::Embedding(cfg.text_buckets + 1, cfg.word_dim));
  torch::nn::init::normal_(words_->weight, /*mean=*/0.0, /*std=*/0.05);
  user_text_ = register_module("user_text", torch::nn::Linear(cfg.word_dim, cfg.tower_dim));
  intent_text_ = register_module("intent_text", torch::nn::Linear(cfg.word_dim, cfg.tower_dim));
  intents_ = register_module("intents", torch::nn::Embedding(cfg.n_intents, cfg.tower_dim));
  torch::nn::init::normal_(intents_->weight, /*mean=*/0.0, /*std=*/0.05);
  scorer_ = register_module("scorer", PairScorer(cfg.tower_dim, cfg.hidden_dim / 2, cfg.score == "mlp"));
  intent_ids_ =
      register_buffer("intent_text_ids", torch::zeros({cfg.n_intents, cfg.intent_text_len}, torch::kInt64));
  intent_mask_ = register_buffer("intent_text_mask", torch::zeros({cfg.n_intents, cfg.intent_text_len}));
}

void TextBowRanker::set_intent_text(const torch::Tensor& ids, const torch::Tensor& mask) {
  TORCH_CHECK(ids.sizes() == intent_ids_.sizes(), "intent text ids ", ids.sizes(), " but the model holds ",
              intent_ids_.sizes());
  torch::NoGradGuard no_grad;
  intent_ids_.copy_(ids);
  intent_mask_.copy_(mask);
}

torch::Tensor TextBowRanker::bag(const torch::Tensor& ids, const torch::Tensor& mask) {
  auto e = words_(ids);                                             // [N, L, Dw]
  auto w = mask.unsqueeze(-1);                                      // [N, L, 1]
  return (e * w).sum(/*dim=*/1) / w.sum(/*dim=*/1).clamp_min(1.0);  // [N, Dw]
}

torch::Tensor TextBowRanker::intent_tower() {
  return intents_->weight + intent_text_(bag(intent_ids_, intent_mask_));  // [I, T]
}

torch::Tensor TextBowRanker::forward(const RankBatch& b) {
  TORCH_CHECK(b.bow.defined(), "text-bow needs the requests' bag of words");
  auto u = user_(b) + user_text_(bag(b.bow, b.bow_mask));               // [B, T]
  return mask_padded(scorer_(u, intent_tower(), b.cand), b.cand_mask);  // [B, C]
}

}  // namespace rgalign
