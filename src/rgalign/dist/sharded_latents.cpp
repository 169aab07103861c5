// Sharded embedding over the process group.
#include "rgalign/dist/sharded_latents.h"

#include <cstring>

#include "rgalign/reason/latent_inputs.h"

namespace rgalign {

void prepare_shared_cache(DistGroup& group, LatentCache& cache) {
  cache.set_writable(group.is_root());
}

void merge_cache_to_root(DistGroup& group, LatentCache& cache) {
  if (!group.distributed()) return;
  const std::vector<std::string> parts = group.allgather_bytes(group.is_root() ? "" : cache.pending_bytes());
  if (group.is_root()) {
    for (size_t r = 1; r < parts.size(); ++r) cache.put_bytes(parts[r]);
    cache.flush();
  } else {
    cache.drop_pending();
  }
}

torch::Tensor sharded_intent_latents(DistGroup& group, Reasoner& reasoner, LatentCache* cache,
                                     const IntentCatalog& catalog, Pooling pooling) {
  if (!group.distributed()) return intent_latents(reasoner, cache, catalog, pooling);
  const std::vector<std::string> texts = intent_texts(catalog);
  const int W = group.world_size();
  std::vector<std::string> mine;
  for (size_t i = 0; i < texts.size(); ++i)
    if (group.owns_item(static_cast<int64_t>(i))) mine.push_back(texts[i]);
  const int64_t H = reasoner.hidden_size();
  torch::Tensor local = torch::zeros({0, H}, torch::kFloat32);
  if (!mine.empty()) {
    LatentQueries q = reasoner.embed(mine, LatentQueryOptions(), cache, "intent texts (shard)");
    local = q.pooled(intent_text_pooling(pooling)).to(torch::kCPU).contiguous();  // [m, H]
  }
  const std::string bytes(reinterpret_cast<const char*>(local.data_ptr<float>()),
                          static_cast<size_t>(local.numel()) * sizeof(float));
  const std::vector<std::string> parts = group.allgather_bytes(bytes);
  auto out = torch::empty({static_cast<int64_t>(texts.size()), H}, torch::kFloat32);  // [I, H]
  for (int r = 0; r < W; ++r) {
    const std::string& p = parts[static_cast<size_t>(r)];
    const size_t rows = p.size() / (sizeof(float) * static_cast<size_t>(H));
    for (size_t j = 0; j < rows; ++j)
      std::memcpy(
          out[static_cast<int64_t>(static_cast<size_t>(r) + j * static_cast<size_t>(W))].data_ptr<float>(),
          p.data() + j * sizeof(float) * static_cast<size_t>(H), sizeof(float) * static_cast<size_t>(H));
  }
  return out;
}

}  // namespace rgalign
