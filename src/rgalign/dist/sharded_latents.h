// Sharded latent-query and intent-text embedding: each rank embeds its share, and the new cache entries of
// all ranks merge into one cache written by the root alone (LatentCache::pending_bytes / put_bytes).
#pragma once

#include <torch/torch.h>

#include "rgalign/data/intents.h"
#include "rgalign/dist/process_group.h"
#include "rgalign/llm/pooling.h"
#include "rgalign/reason/latent_cache.h"
#include "rgalign/reason/reasoner.h"

namespace rgalign {

// Before embedding: only the root writes the cache's files.
void prepare_shared_cache(DistGroup& group, LatentCache& cache);
// After embedding: the root adds every other rank's new entries and flushes; the others drop theirs.
void merge_cache_to_root(DistGroup& group, LatentCache& cache);

// [I, H]: intent_latents() with intent i embedded by rank i % world, gathered to every rank.
torch::Tensor sharded_intent_latents(DistGroup& group, Reasoner& reasoner, LatentCache* cache,
                                     const IntentCatalog& catalog, Pooling pooling);

}  // namespace rgalign
