// What the server answers with: a run directory loaded whole (catalogue and schema of its dataset, the
// ranker, the reasoner and its precomputed latent cache when the ranker has a query tower, a fallback ranker
// without one), immutable once loaded so that a reload can swap it atomically while requests finish on the
// old one.
//
// Which ranker a run directory serves: an `rgalign align` run serves its last stage (rga-calibrated, else the
// last student stage, else qe-rec) with its production baseline as fallback; a `rgalign train` run serves
// itself.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rgalign/data/dataset.h"
#include "rgalign/rank/neural_scorer.h"
#include "rgalign/reason/latent_cache.h"
#include "rgalign/reason/reasoner.h"
#include "rgalign/serve/lru_cache.h"

namespace rgalign {

struct Latent {
  std::vector<float> vec;  // [E], the pooling the ranker was trained with
  std::string text;        // generated latent-query text
};

struct ServeModelOptions {
  std::string run, data, fallback;  // data / fallback: override what the run directory names
  size_t cache_size = 100000;       // latent queries held in memory
};

class ServedModel {
 public:
  static std::shared_ptr<ServedModel> load(const ServeModelOptions& opt);

  const std::string& version() const { return version_; }
  const Dataset& data() const { return *data_; }
  bool needs_latent() const { return reasoner_ != nullptr; }
  bool has_fallback() const { return fallback_.has_value(); }

  // The latent query of a prompt from memory or the run's precomputed cache (then kept in memory).
  std::optional<Latent> cached_latent(const std::string& prompt);
  void remember(const std::string& prompt, Latent latent);
  // Computes latent queries with the reasoner (one batch; callers serialise, see LatentBatcher).
  std::vector<Latent> compute_latents(const std::vector<std::string>& prompts);
  size_t cache_entries() const { return lru_->size(); }

  // Scores of each request's candidates, all in one forward pass: with the main ranker (queries[i] = request
  // i's latent query when the ranker has a query tower) or, with `fallback`, with the fallback ranker.
  std::vector<std::vector<float>> score_batch(const std::vector<Request>& requests,
                                              const std::vector<const Latent*>& queries, bool fallback) const;

 private:
  ServedModel() = default;
  std::string version_;
  std::unique_ptr<Dataset> data_;
  LoadedRanker main_;
  std::optional<LoadedRanker> fallback_;
  std::unique_ptr<Reasoner> reasoner_;
  std::unique_ptr<LatentCache> precomputed_;
  std::string pooling_ = "last";
  int latent_tokens_ = 0;
  std::unique_ptr<LruCache<std::string, Latent>> lru_;
  std::mutex precomputed_mu_;  // LatentCache lookups count hits: one caller at a time
};

}  // namespace rgalign
