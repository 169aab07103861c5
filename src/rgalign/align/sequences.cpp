// Student training sequences.
#include "rgalign/align/sequences.h"

#include "rgalign/align/losses.h"
#include "rgalign/common/error.h"

namespace rgalign {

SeqBatch make_seq_batch(const std::vector<std::vector<int64_t>>& prompts,
                        const std::vector<std::vector<int64_t>>& texts, int64_t end_token) {
  RG_ASSERT(prompts.size() == texts.size() && !prompts.empty(), "one text per prompt");
  const auto B = static_cast<int64_t>(prompts.size());
  int64_t T = 0;
  for (size_t i = 0; i < prompts.size(); ++i)
    T = std::max<int64_t>(
        T, static_cast<int64_t>(prompts[i].size() + texts[i].size()) + (end_token >= 0 ? 1 : 0));
  SeqBatch b;
  b.ids = torch::zeros({B, T}, torch::kInt64);
  b.mask = torch::zeros({B, T}, torch::kInt64);
  b.target = torch::zeros({B, T}, torch::kBool);
  b.emb_index = torch::zeros({B}, torch::kInt64);
  b.text_mask = torch::zeros({B, T}, torch::kInt64);
  b.positions = torch::zeros({B, T}, torch::kInt64);
  auto* ids = b.ids.data_ptr<int64_t>();
  auto* positions = b.positions.data_ptr<int64_t>();
  auto* mask = b.mask.data_ptr<int64_t>();
  auto* target = b.target.data_ptr<bool>();
  auto* emb = b.emb_index.data_ptr<int64_t>();
  auto* text = b.text_mask.data_ptr<int64_t>();
  for (int64_t i = 0; i < B; ++i) {
    const auto& p = prompts[static_cast<size_t>(i)];
    const auto& t = texts[static_cast<size_t>(i)];
    RG_ASSERT(!p.empty(), "a prompt has at least one token");
    const int64_t first =
        T - static_cast<int64_t>(p.size() + t.size()) - (end_token >= 0 ? 1 : 0);  // left padding before it
    int64_t pos = first;
    for (int64_t id : p) ids[i * T + pos++] = id;
    for (int64_t id : t) {
      target[i * T + pos] = true;
      text[i * T + pos] = 1;
      ids[i * T + pos++] = id;
    }
    emb[i] = pos - 1;
    if (t.empty()) text[i * T + pos - 1] = 1;
    if (end_token >= 0) {
      target[i * T + pos] = true;
      ids[i * T + pos++] = end_token;
    }
    for (int64_t k = first; k < T; ++k) {
      mask[i * T + k] = 1;
      positions[i * T + k] = k - first;
    }
  }
  return b;
}

torch::Tensor target_logprobs(Decoder& model, const SeqBatch& b, double neftune_alpha, torch::Tensor* emb,
                              Pooling pooling) {
  const auto device = model.weight(TensorRole::kTokenEmbedding).device();
  auto ids = b.ids.to(device), mask = b.mask.to(device), pos = b.positions.to(device);
  auto x = model.embed(ids);  // [B, T, H]
  if (neftune_alpha > 0 && model.is_training()) x = neftune_noise(x, mask, neftune_alpha);
  const int64_t B = ids.size(0), T = ids.size(1);
  // Logits only where the next token is a target: a latent query is a tenth of its sequence, and the LM head
  // over every position ([B, T-1, V]) was the larger part of a training step's arithmetic.
  const auto where = b.target.narrow(1, 1, T - 1).nonzero();  // [N, 2]: row, position
  // Left padding puts every row's text last: the states read (the positions before the targets, the text's,
  // its last token) start at `from`, and the last layer runs from there on (Decoder::forward's
  // last_positions), except for the mean pooling, which reads the prompt too.
  int64_t from = b.emb_index.min().item<int64_t>();
  if (where.size(0) > 0) from = std::min(from, where.select(1, 1).min().item<int64_t>());
  if (emb && pooling == Pooling::kQuery) from = std::min(from, b.text_mask.argmax(1).min().item<int64_t>());
  if (emb && pooling == Pooling::kMean) from = 0;
  auto hidden = model.forward_embeds(x, mask, pos, nullptr, nullptr, T - from);           // [B, T - from, H]
  const auto rows = where.select(1, 0).to(device), cols = where.select(1, 1).to(device);  // [N] each
  auto logits = model.logits(hidden.index({rows, cols - from})).to(torch::kFloat32);      // [N, V]
  auto next = ids.index({rows, cols + 1});                                                // [N]
  auto logp = torch::log_softmax(logits, -1).gather(-1, next.unsqueeze(-1)).squeeze(-1);  // [N]
  if (emb && pooling == Pooling::kLast) {
    auto idx = (b.emb_index - from).to(device).view({-1, 1, 1}).expand({-1, 1, hidden.size(2)});
    *emb = hidden.gather(1, idx).squeeze(1);  // [B, H]
  } else if (emb) {
    // mean: every token up to the text's last; query: the text's tokens.
    auto upto = torch::arange(T, torch::kInt64).unsqueeze(0) <= b.emb_index.unsqueeze(1);  // [B, T]
    auto span = pooling == Pooling::kMean ? (upto & b.mask.ne(0)).to(torch::kInt64) : b.text_mask;
    *emb = pool_hidden(hidden, span.narrow(1, from, T - from).to(device), Pooling::kMean, false);  // [B, H]
  }
  return torch::zeros({B}, logp.options()).index_add(0, rows, logp);  // [B]
}

}  // namespace rgalign
