// Latent inputs of QE-Rec.
#include "rgalign/reason/latent_inputs.h"

#include <filesystem>

#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/data/prompt.h"

namespace rgalign {

std::string default_latent_cache(const std::string& reasoner_dir) {
  return (std::filesystem::path(reasoner_dir) / "latent-cache").string();
}

torch::Tensor request_latents(Reasoner& reasoner, LatentCache* cache, const std::vector<Request>& requests,
                              const Schema& schema, Pooling pooling, int latent_tokens,
                              const std::string& label) {
  std::vector<std::string> prompts;
  prompts.reserve(requests.size());
  for (const auto& r : requests) prompts.push_back(render_prompt(r, schema));
  LatentQueryOptions o;
  o.max_new_tokens = latent_tokens;
  o.mean = pooling == Pooling::kMean;
  LatentQueries q = reasoner.embed(prompts, o, cache, label);
  return q.pooled(pooling);
}

torch::Tensor continued_latents(Reasoner& reasoner, LatentCache* cache,
                                const std::vector<std::string>& prompts,
                                const std::vector<std::string>& texts, Pooling pooling,
                                const std::string& label) {
  if (prompts.size() != texts.size())
    throw InputError(label, std::to_string(prompts.size()) + " prompts but " + std::to_string(texts.size()) +
                                " latent-query texts");
  const auto N = static_cast<int64_t>(prompts.size());
  const int64_t H = reasoner.hidden_size();
  auto out = torch::zeros({N, H}, torch::kFloat32);  // [N, H]
  // A hit is copied straight into its row of `out`, the asked pooling only.
  auto row = [&](size_t i, Pooling p) {
    return pooling == p ? out.data_ptr<float>() + static_cast<int64_t>(i) * H : nullptr;
  };
  // Only a reader of the mean pooling needs every position's final state (Reasoner::embed_continued's mean);
  // the others also read entries computed with it.
  const bool mean = pooling == Pooling::kMean;
  std::vector<std::string> keys(prompts.size());
  std::vector<int64_t> todo;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto read_keys = continued_latent_read_keys(reasoner.checkpoint_hash(), prompts[i], texts[i], mean);
    keys[i] = read_keys.front();
    if (!cache || !cache->lookup_first(read_keys, row(i, Pooling::kLast), row(i, Pooling::kMean),
                                       row(i, Pooling::kQuery), nullptr))
      todo.push_back(static_cast<int64_t>(i));
  }
  if (cache && !label.empty())
    spdlog::info("{}: {} from the cache, {} to compute", label, prompts.size() - todo.size(), todo.size());
  if (todo.empty()) return out;
  std::vector<std::string> p, t;
  for (int64_t i : todo) {
    p.push_back(prompts[static_cast<size_t>(i)]);
    t.push_back(texts[static_cast<size_t>(i)]);
  }
  LatentQueries q = reasoner.embed_continued(p, t, 32, label, mean);
  out.index_copy_(0, torch::tensor(todo, torch::kInt64), q.pooled(pooling));
  if (!cache) return out;
  const float* lp = q.last.data_ptr<float>();
  const float* mp = q.mean.data_ptr<float>();
  const float* qp = q.query.data_ptr<float>();
  for (size_t k = 0; k < todo.size(); ++k) {
    const auto r = static_cast<int64_t>(k) * H;
    cache->put(keys[static_cast<size_t>(todo[k])], lp + r, mp + r, qp + r, t[k]);
  }
  cache->flush();
  return out;
}

Pooling intent_text_pooling(Pooling pooling) {
  return pooling == Pooling::kQuery ? Pooling::kMean : pooling;
}

std::vector<std::string> intent_texts(const IntentCatalog& catalog) {
  std::vector<std::string> texts;
  texts.reserve(catalog.size());
  for (const auto& in : catalog.intents()) texts.push_back(intent_text(in));
  return texts;
}

torch::Tensor intent_latents(Reasoner& reasoner, LatentCache* cache, const IntentCatalog& catalog,
                             Pooling pooling) {
  LatentQueries q = reasoner.embed(intent_texts(catalog), LatentQueryOptions(), cache, "intent texts");
  return q.pooled(intent_text_pooling(pooling));
}

}  // namespace rgalign
