// Latent inputs of QE-Rec.
#include "rgalign/reason/latent_inputs.h"

#include <filesystem>

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
  LatentQueries q = reasoner.embed(prompts, o, cache, label);
  return q.pooled(pooling);
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
