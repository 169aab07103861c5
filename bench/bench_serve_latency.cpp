// In-process scoring latency of one request (batch 1, as the server scores it), for 100, 1,000 and 10,000
// candidate intents: the production two-tower and QE-Rec (with a latent query), the default world's feature
// layout, random weights. p50 and p99 over --iters calls. bench/serve_latency.sh runs it beside the Python
// reference of the two-tower.
//
//   build/bench/bench_serve_latency [--iters 300] [--threads 1]
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "bench_args.h"

#include "rgalign/common/allocator.h"
#include "rgalign/rank/encoded_data.h"
#include "rgalign/rank/ranker.h"

int main(int argc, char** argv) {
  using rgalign::bench::arg;
  const long iters = arg(argc, argv, "--iters", 300);
  const int threads = static_cast<int>(arg(argc, argv, "--threads", 1));
  rgalign::tune_allocator();
  at::set_num_threads(threads);
  torch::manual_seed(0);
  for (const char* model : {"two-tower", "qe-rec"})
    for (int64_t C : {100, 1000, 10000}) {
      rgalign::RankerConfig cfg;
      cfg.model = model;
      for (int i = 0; i < 20; ++i) cfg.single_cardinalities.push_back(24);
      for (int i = 0; i < 20; ++i) cfg.single_cardinalities.push_back(14);
      cfg.multi_cardinalities = {20, 14, 8, 2050, 2050};
      cfg.n_intents = std::max<int64_t>(1360, C);
      if (cfg.model == "qe-rec") cfg.query_dim = cfg.intent_text_dim = 128;  // the built-in reasoner's width
      auto m = rgalign::make_ranker(cfg);
      m->eval();
      rgalign::RankBatch b;
      std::vector<torch::Tensor> cols;
      for (int64_t c : cfg.single_cardinalities) cols.push_back(torch::randint(c, {1}, torch::kInt64));
      b.single = torch::stack(cols, 1);  // [1, 40]
      cols.clear();
      for (int64_t c : cfg.multi_cardinalities) cols.push_back(torch::randint(c, {1, 16}, torch::kInt64));
      b.multi = torch::stack(cols, 1);                                       // [1, 5, 16]
      b.multi_mask = (torch::rand({1, 5, 16}) < 0.5).to(torch::kFloat32);    // [1, 5, 16]
      b.cand = torch::randperm(cfg.n_intents, torch::kInt64).narrow(0, 0, C).view({1, C});  // [1, C]
      b.cand_mask = torch::ones({1, C}, torch::kBool);
      b.labels = torch::zeros({1, C});
      if (cfg.query_dim > 0) b.query = torch::randn({1, cfg.query_dim});
      c10::InferenceMode guard;
      std::vector<double> ms;
      for (long i = 0; i < iters + 20; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto logits = m->forward(b);
        const float top = logits.max().item<float>();  // the answer is read, as the server reads it
        (void)top;
        const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (i >= 20) ms.push_back(dt);  // after warm-up
      }
      std::sort(ms.begin(), ms.end());
      std::printf("name=serve_score_cpp model=%s intents=%ld threads=%d iters=%ld p50_ms=%.3f p99_ms=%.3f\n", model,
                  static_cast<long>(C), threads, iters, ms[ms.size() / 2], ms[ms.size() * 99 / 100]);
    }
  return 0;
}
