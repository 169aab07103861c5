// QE-Rec ranker.
#include "rgalign/rank/qe_rec_ranker.h"

#include <cmath>

#include "rgalign/common/hash.h"
#include "rgalign/rank/qe_rec_pair_train.h"
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
    : use_query_(cfg.query_dim > 0),
      use_intent_text_(cfg.intent_text_dim > 0),
      id_dropout_(use_intent_text_ ? cfg.intent_id_dropout : 0.0) {
  const int64_t T = cfg.tower_dim;
  user_ = register_module("user", UserTower(cfg));
  if (use_query_) query_ = register_module("query", projection(cfg.query_dim, T));
  intents_ = register_module("intents", torch::nn::Embedding(cfg.n_intents, T));
  // With id dropout an intent's score without its id is its text's alone, in training as for an intent never
  // trained on: ids start at zero, and one that gets no gradient stays there.
  if (id_dropout_ > 0)
    torch::nn::init::zeros_(intents_->weight);
  else
    torch::nn::init::normal_(intents_->weight, /*mean=*/0.0, /*std=*/0.05);
  if (use_intent_text_) {
    TORCH_CHECK(!cfg.tie_text_projection || (use_query_ && cfg.query_dim == cfg.intent_text_dim),
                "a tied text projection needs a query tower and intent texts of the same size");
    intent_text_ =
        cfg.tie_text_projection ? query_ : register_module("intent_text", projection(cfg.intent_text_dim, T));
    intent_text_emb_ = register_buffer("intent_text_emb", torch::zeros({cfg.n_intents, cfg.intent_text_dim}));
  }
  attention_ = register_module("attention", MutualAttention(T));
  const int64_t parts = use_query_ ? 5 : 3;  // [u, q, i, u*i, q*i] or [u, i, u*i]
  head_ = register_module(
      "head", torch::nn::Sequential(torch::nn::Linear(parts * T, cfg.hidden_dim / 2), torch::nn::ReLU(),
                                    torch::nn::Linear(cfg.hidden_dim / 2, 1)));
  if (cfg.query_match) {
    TORCH_CHECK(use_query_, "query_match needs a query tower");
    match_scale_ =
        register_parameter("match_scale", torch::full({1}, 1.0 / std::sqrt(static_cast<double>(T))));
  }
}

void QeRecRanker::set_intent_text(const torch::Tensor& embeddings) {
  TORCH_CHECK(use_intent_text_, "this QE-Rec has no intent text tower");
  TORCH_CHECK(embeddings.sizes() == intent_text_emb_.sizes(), "intent text embeddings ", embeddings.sizes(),
              " but the model holds ", intent_text_emb_.sizes());
  torch::NoGradGuard no_grad;
  intent_text_emb_.copy_(embeddings);
}

torch::Tensor QeRecRanker::compute_intent_tower() {
  if (!use_intent_text_) return intents_->weight;  // [I, T]
  torch::Tensor ids = intents_->weight;            // [I, T]
  if (is_training() && id_dropout_ > 0) {
    // Drawn from the step's seed (hash per intent), not torch's generator: every rank drops the same ids.
    auto keep = torch::empty({ids.size(0), 1}, torch::kFloat32);  // [I, 1]
    float* kp = keep.data_ptr<float>();
    for (int64_t i = 0; i < ids.size(0); ++i) {
      const double u = static_cast<double>(mix64(dropout_seed_, static_cast<uint64_t>(i)) >> 11) * 0x1.0p-53;
      kp[i] = u < id_dropout_ ? 0.0f : 1.0f;
    }
    dropout_seed_ = mix64(dropout_seed_, 0x9e3779b97f4a7c15ULL);
    ids = ids * keep.to(ids.device(), ids.scalar_type());
  }
  return ids + intent_text_->forward(intent_text_emb_);  // [I, T]
}

std::vector<torch::Tensor> QeRecRanker::intent_side() {
  // tower, its q, k, v projections, and without gradients what the fused pair stage prepares from them
  auto compute = [&] {
    torch::Tensor tower = compute_intent_tower();  // [I, T]
    std::vector<torch::Tensor> out = {tower};
    for (auto& p : attention_->project(tower)) out.push_back(p);
    if (!torch::GradMode::is_enabled())
      for (auto& t : qe_rec_pair_prepare(tower, out[3], use_query_ ? 2 : 1, pair_weights()).tensors())
        out.push_back(t);
    return out;
  };
  if (is_training()) return compute();
  std::vector<torch::Tensor> inputs = {intents_->weight};
  if (use_intent_text_) {
    inputs.push_back(intent_text_emb_);
    for (const auto& p : intent_text_->parameters()) inputs.push_back(p);
    for (const auto& b : intent_text_->buffers()) inputs.push_back(b);
  }
  for (const auto& w : attention_->projection_weights()) inputs.push_back(w);
  const QeRecPairWeights w = pair_weights();
  for (const auto& t : {w.norm_weight, w.norm_bias, w.w1, w.b1}) inputs.push_back(t);
  return intent_cache_.get(inputs, compute);
}

QeRecPairWeights QeRecRanker::pair_weights() const {
  QeRecPairWeights w;
  const auto& norm = attention_->norm();
  w.norm_weight = norm->weight;
  w.norm_bias = norm->bias;
  w.norm_eps = norm->options.eps();
  const auto first = head_->ptr<torch::nn::LinearImpl>(0);
  const auto last = head_->ptr<torch::nn::LinearImpl>(2);
  w.w1 = first->weight;
  w.b1 = first->bias;
  w.w2 = last->weight;
  w.b2 = last->bias;
  return w;
}

torch::Tensor QeRecRanker::intent_tower() {
  return is_training() ? compute_intent_tower() : intent_side().front();
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
  // Once per pass: in training each computation of the intent tower draws its own id dropout.
  const std::vector<torch::Tensor> intent = intent_side();     // tower [I, T], its q, k, v (, prepared)
  torch::Tensor logits = pair_logits(per_request, intent, b);  // [B, C]
  if (match_scale_.defined()) logits = logits + match_logits(per_request[1], intent[0], b);
  return logits;
}

torch::Tensor QeRecRanker::match_logits(const torch::Tensor& query, const torch::Tensor& intent,
                                        const RankBatch& b) {
  // query [B, T], intent [I, T] -> every intent's dot product [B, I] -> the candidates' [B, C]; padded
  // candidates add nothing to the mask's score.
  const auto all = torch::mm(query, intent.t());
  return (match_scale_ * all.gather(1, b.cand)).masked_fill(b.cand_mask.logical_not(), 0.0);
}

torch::Tensor QeRecRanker::pair_logits(const std::vector<torch::Tensor>& per_request,
                                       const std::vector<torch::Tensor>& intent, const RankBatch& b) {
  const bool fused = fused_inference_ && !is_training() && !torch::GradMode::is_enabled() &&
                     per_request.front().device().is_cpu() &&
                     per_request.front().scalar_type() == torch::kFloat32;
  if (fused) return fused_pair_logits(per_request, intent, b);
  if (torch::GradMode::is_enabled() && qe_rec_pair_train_fused_applies(per_request.front()))
    return qe_rec_pair_logits_train(pair_inputs(per_request, intent, b), pair_weights());
  const std::vector<torch::Tensor> proj(intent.begin() + 1, intent.begin() + 4);
  // Only the real (request, candidate) pairs go through the attention and the head: a batch is padded to its
  // longest candidate list (markets differ in size), and a padded pair's score is the mask's anyway.
  const int64_t B = b.cand.size(0), C = b.cand.size(1);
  const auto real = b.cand_mask.reshape({-1}).nonzero().squeeze(1);  // [N] cells of [B, C]
  const bool padded = real.size(0) < B * C;
  const auto pair_row = padded ? real.div(C, "floor") : torch::Tensor();  // [N]; none: every cell
  const auto pair_intent = padded ? b.cand.reshape({-1}).index_select(0, real) : b.cand.reshape({-1});
  auto tokens = attention_->forward(per_request, intent[0], pair_row, pair_intent, &proj);  // K x [N, T]
  const auto& u = tokens.front();
  const auto& i = tokens.back();
  std::vector<torch::Tensor> parts = {u};
  if (use_query_) parts.push_back(tokens[1]);
  parts.push_back(i);
  parts.push_back(u * i);
  if (use_query_) parts.push_back(tokens[1] * i);
  auto scores = head_->forward(torch::cat(parts, /*dim=*/-1)).squeeze(-1);  // [N]
  if (!padded) return scores.view({B, C});
  return torch::full({B * C}, -1e9, scores.options()).index_copy(0, real, scores).view({B, C});
}

torch::Tensor QeRecRanker::fused_pair_logits(const std::vector<torch::Tensor>& per_request,
                                             const std::vector<torch::Tensor>& intent, const RankBatch& b) {
  QeRecPairInputs in = pair_inputs(per_request, intent, b);
  in.prepared = QeRecPairPrepared::from_tensors(intent, 4);
  return qe_rec_pair_logits(in, pair_weights());  // [B, C]
}

QeRecPairInputs QeRecRanker::pair_inputs(const std::vector<torch::Tensor>& per_request,
                                         const std::vector<torch::Tensor>& intent, const RankBatch& b) {
  QeRecPairInputs in;
  in.tokens = per_request;  // R x [B, T]
  for (const auto& x : per_request) {
    auto p = attention_->project(x);  // 3 x [B, T]
    in.q.push_back(p[0]);
    in.k.push_back(p[1]);
    in.v.push_back(p[2]);
  }
  in.intent = intent[0];
  in.intent_q = intent[1];
  in.intent_k = intent[2];
  in.intent_v = intent[3];
  in.cand = b.cand;
  in.cand_mask = b.cand_mask;
  return in;
}

}  // namespace rgalign
