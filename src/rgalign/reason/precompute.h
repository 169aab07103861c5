// `rgalign reasoner embed`: precompute the latent queries of a dataset's splits and its intents' text
// embeddings into the latent cache, in batches, so that training and evaluation read them for free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rgalign {

struct LatentPrecomputeOptions {
  std::string data, reasoner, cache;
  std::vector<std::string> splits = {"train", "valid", "test"};
  int latent_tokens = 0;
  int batch = 32;
  std::string pooling = "all";
  std::string device = "cpu";
  int threads = 2;
  bool skip_bad = false;

  template <class V>
  void visit(V&& v) {
    v("data", data, "dataset directory", true);
    v("reasoner", reasoner, "reasoner checkpoint directory", true);
    v("cache", cache, "latent cache directory (default <reasoner>/latent-cache)");
    v("splits", splits, "splits whose requests to embed (comma-separated)");
    v("latent-tokens", latent_tokens,
      "latent-query tokens to generate per prompt (0 = embed the prompt alone)");
    v("batch", batch, "prompts per forward pass");
    v("pooling", pooling,
      "the pooling the cache's readers use: all|mean compute every pooling; last|query skip the mean (the "
      "prompt's last layer runs where those read; a reader of the mean then computes its own entries)");
    v("device", device, "cpu|cuda|cuda:N");
    v("threads", threads, "CPU threads");
    v("skip-bad", skip_bad, "skip and count malformed lines instead of failing");
  }
};

struct LatentPrecomputeResult {
  int64_t prompts = 0, computed = 0, cached = 0;
  double prompts_per_s = 0;  // over the computed ones
};

LatentPrecomputeResult run_latent_precompute(const LatentPrecomputeOptions& opt);

}  // namespace rgalign
