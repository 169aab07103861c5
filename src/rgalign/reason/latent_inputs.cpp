// Latent inputs of QE-Rec.
#include "rgalign/reason/latent_inputs.h"

#include <filesystem>

#include "rgalign/data/prompt.h"
#include "rgalign/reason/corpus.h"

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
  return pooling == Pooling::kLast ? q.last : q.mean;
}

torch::Tensor intent_latents(Reasoner& reasoner, LatentCache* cache, const IntentCatalog& catalog,
                             Pooling pooling) {
  std::vector<std::string> texts;
  for (const auto& in : catalog.intents()) texts.push_back(intent_document(in));
  LatentQueries q = reasoner.embed(texts, LatentQueryOptions(), cache, "intent texts");
  return pooling == Pooling::kLast ? q.last : q.mean;
}

}  // namespace rgalign
