// Latent-query precomputation.
#include "rgalign/reason/precompute.h"

#include <ATen/Parallel.h>

#include <chrono>

#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/progress.h"
#include "rgalign/data/dataset.h"
#include "rgalign/data/prompt.h"
#include "rgalign/dist/gather.h"
#include "rgalign/dist/sharded_latents.h"
#include "rgalign/llm/pooling.h"
#include "rgalign/reason/latent_inputs.h"

namespace rgalign {

LatentPrecomputeResult run_latent_precompute(const LatentPrecomputeOptions& opt) {
  if (opt.threads < 1) throw InputError("--threads", "must be at least 1");
  if (opt.batch < 1) throw InputError("--batch", "must be at least 1");
  if (opt.latent_tokens < 0) throw InputError("--latent-tokens", "must be >= 0");
  at::set_num_threads(opt.threads);
  const BadInputPolicy policy = opt.skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict;
  Dataset data = Dataset::open(opt.data, policy);
  for (const auto& s : opt.splits) {
    check_split_name(s);
    if (!data.has_split(s)) throw InputError(data.split_path(s), "split not found", "--splits names it");
  }
  const bool mean = opt.pooling == "all" || parse_pooling(opt.pooling) == Pooling::kMean;
  auto reasoner = Reasoner::load(opt.reasoner, opt.device);
  LatentCache cache(opt.cache.empty() ? default_latent_cache(opt.reasoner) : opt.cache,
                    reasoner->hidden_size());
  // Launched as several ranks: each embeds its shard (intents i % world, request lines dealt round-robin) and
  // rank 0 merges every rank's entries into the one cache.
  DistGroup& dist = DistGroup::world();
  const Shard shard{dist.rank(), dist.world_size()};
  prepare_shared_cache(dist, cache);
  LatentPrecomputeResult result;
  double seconds = 0;
  auto run = [&](const std::vector<std::string>& texts, int tokens, const std::string& label,
                 bool with_mean) {
    if (texts.empty()) return;
    LatentQueryOptions o;
    o.max_new_tokens = tokens;
    o.batch = opt.batch;
    o.mean = with_mean;
    auto t0 = std::chrono::steady_clock::now();
    LatentQueries q = reasoner->embed(texts, o, &cache, label);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.prompts += static_cast<int64_t>(texts.size());
    result.computed += q.computed;
    result.cached += q.cached;
  };
  std::vector<std::string> intents;
  const std::vector<std::string> all_intents = intent_texts(data.catalog());
  for (size_t i = 0; i < all_intents.size(); ++i)
    if (dist.owns_item(static_cast<int64_t>(i))) intents.push_back(all_intents[i]);
  run(intents, 0, "intent texts", /*with_mean=*/true);  // short; their readers mostly read the mean
  for (const auto& s : opt.splits) {
    BadInputLog bad;
    std::vector<std::string> prompts;
    RequestReader reader(data.split_path(s), data.schema(), data.catalog(), policy, &bad);
    reader.set_shard(shard);
    Request r;
    while (reader.next(r)) prompts.push_back(render_prompt(r, data.schema()));
    bad.report(data.split_path(s));
    run(prompts, opt.latent_tokens, "latent queries (" + s + ")", mean);
  }
  merge_cache_to_root(dist, cache);
  if (dist.distributed()) {
    // Totals over ranks; the rate is the slowest rank's (the wall time of the whole job).
    const std::vector<int64_t> all = allgather_i64(
        dist, {result.prompts, result.computed, result.cached, static_cast<int64_t>(seconds * 1e6)});
    result = LatentPrecomputeResult();
    double slowest = 0;
    for (size_t r = 0; r < all.size(); r += 4) {
      result.prompts += all[r];
      result.computed += all[r + 1];
      result.cached += all[r + 2];
      slowest = std::max(slowest, static_cast<double>(all[r + 3]) / 1e6);
    }
    seconds = slowest;
  }
  result.prompts_per_s = seconds > 0 ? static_cast<double>(result.computed) / seconds : 0;
  spdlog::info("latent cache {}: {} entries; this run {} prompts, {} computed, {} cached ({} prompts/s)",
               opt.cache.empty() ? default_latent_cache(opt.reasoner) : opt.cache, cache.size(),
               result.prompts, result.computed, result.cached, human_count(result.prompts_per_s));
  return result;
}

}  // namespace rgalign
