// QE-Rec ranker.
#include "rgalign/rank/qe_rec_ranker.h"

#include "rgalign/rank/score_head.h"

namespace rgalign {

namespace {
// LayerNorm (LLM hidden states have large, uneven scales) then a two-layer projection to the tower size.
torch::nn::Sequential projection(int64_t in, int64_t out) {
  return torch::nn::Sequential(torch::nn::LayerNorm(torch::nn::LayerNormOptions({in})),
                               torch::nn::Linear(in, out), torch::nn::GELU(), torch::nn::Linear(out, out));
}
}  // namespace

QeRecRanker::QeRecRanker(const RankerConfig& cfg)
    : use_query_(cfg.query_dim > 0), use_intent_text_(cfg.intent_text_dim > 0) {
  const int64_t T = cfg.tower_dim;
  user_ = register_module("user", UserTower(cfg));
  if (use_query_) query_ = register_module("query", projection(cfg.query_dim, T));
  intents_ = register_module("intents", torch::nn::Embedding(cfg.n_intents, T));
  torch::nn::init::normal_(intents_->weight, /*mean=*/0.0, /*std=*/0.05);
  if (use_intent_text_) {
    intent_text_ = register_module("intent_text", projection(cfg.intent_text_dim, T));
    intent_text_emb_ = register_buffer("intent_text_emb", torch::zeros({cfg.n_intents, cfg.intent_text_dim}));
  }
  attention_ = register_module("attention", MutualAttention(T));
  const int64_t parts = use_query_ ? 5 : 3;  // [u, q, i, u*i, q*i] or [u, i, u*i]
  head_ = register_module(
      "head", torch::nn::Sequential(torch::nn::Linear(parts * T, cfg.hidden_dim / 2), torch::nn::ReLU(),
                                    torch::nn::Linear(cfg.hidden_dim / 2, 1)));
}

void QeRecRanker::set_intent_text(const torch::Tensor& embeddings) {
  TORCH_CHECK(use_intent_text_, "this QE-Rec has no intent text tower");
  TORCH_CHECK(embeddings.sizes() == intent_text_emb_.sizes(), "intent text embeddings ", embeddings.sizes(),
              " but the model holds ", intent_text_emb_.sizes());
  torch::NoGradGuard no_grad;
  intent_text_emb_.copy_(embeddings);
}

torch::Tensor QeRecRanker::compute_intent_tower() {
  if (!use_intent_text_) return intents_->weight;                     // [I, T]
  return intents_->weight + intent_text_->forward(intent_text_emb_);  // [I, T]
}

// Identifies the weights the intent tower reads: each tensor's storage and version counter, which every
// in-place update (an optimizer step, loading a checkpoint, set_intent_text) advances.
std::vector<int64_t> QeRecRanker::intent_tower_key() {
  std::vector<int64_t> key;
  auto add = [&](const torch::Tensor& t) {
    key.push_back(reinterpret_cast<int64_t>(t.data_ptr()));
    key.push_back(static_cast<int64_t>(t._version()));
  };
  add(intents_->weight);
  add(intent_text_emb_);
  for (const auto& p : intent_text_->parameters()) add(p);
  for (const auto& b : intent_text_->buffers()) add(b);
  return key;
}

torch::Tensor QeRecRanker::intent_tower() {
  if (!use_intent_text_ || is_training() || torch::GradMode::is_enabled()) return compute_intent_tower();
  std::lock_guard<std::mutex> lock(tower_cache_->mu);
  std::vector<int64_t> key = intent_tower_key();
  if (!tower_cache_->tower.defined() || key != tower_cache_->key) {
    tower_cache_->tower = compute_intent_tower();
    tower_cache_->key = std::move(key);
  }
  return tower_cache_->tower;
}

torch::Tensor QeRecRanker::query_tower(const torch::Tensor& query) {
  return query_->forward(query);
}

torch::Tensor QeRecRanker::forward(const RankBatch& b) {
  std::vector<torch::Tensor> per_request = {user_(b)};  // [B, T]
  if (use_query_) {
    TORCH_CHECK(b.query.defined(), "QE-Rec needs the requests' latent-query embeddings");
    per_request.push_back(query_tower(b.query));  // [B, T]
  }
  auto tokens = attention_(per_request, intent_tower(), b.cand);  // K x [B, C, T]
  const auto& u = tokens.front();
  const auto& i = tokens.back();
  std::vector<torch::Tensor> parts = {u};
  if (use_query_) parts.push_back(tokens[1]);
  parts.push_back(i);
  parts.push_back(u * i);
  if (use_query_) parts.push_back(tokens[1] * i);
  auto logits = head_->forward(torch::cat(parts, /*dim=*/-1)).squeeze(-1);  // [B, C]
  return mask_padded(logits, b.cand_mask);
}

}  // namespace rgalign
