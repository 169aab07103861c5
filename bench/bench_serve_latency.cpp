// In-process scoring latency of one request (batch 1, as the server scores it by default), for 100, 1,000 and
// 10,000 candidate intents: the production two-tower and QE-Rec (with a latent query), the default world's
// feature layout, random weights. p50 and p99 over --iters calls. Each ranker is measured with its fused
// inference kernels (user tower, QE-Rec's pair stage: what serving and evaluation run) and with the module
// path (what training runs), in the same process; QE-Rec also in batches of 8 and 32 requests over 200
// intents each (`serve --score-batch 32` on the load test's world). bench/serve_latency.sh runs it beside the
// Python reference of the two-tower.
//
//   build/bench/bench_serve_latency [--iters 300] [--threads 1] [--batched-only 1]
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
#include "rgalign/rank/user_tower.h"

namespace {

rgalign::RankerConfig bench_config(const char* model, int64_t C) {
  rgalign::RankerConfig cfg;
  cfg.model = model;
  for (int i = 0; i < 20; ++i) cfg.single_cardinalities.push_back(24);
  for (int i = 0; i < 20; ++i) cfg.single_cardinalities.push_back(14);
  cfg.multi_cardinalities = {20, 14, 8, 2050, 2050};
  cfg.n_intents = std::max<int64_t>(1360, C);
  if (cfg.model == "qe-rec") cfg.query_dim = cfg.intent_text_dim = 128;  // the built-in reasoner's width
  return cfg;
}

rgalign::RankBatch bench_batch(const rgalign::RankerConfig& cfg, int64_t B, int64_t C) {
  rgalign::RankBatch b;
  std::vector<torch::Tensor> cols;
  for (int64_t c : cfg.single_cardinalities) cols.push_back(torch::randint(c, {B}, torch::kInt64));
  b.single = torch::stack(cols, 1);  // [B, 40]
  cols.clear();
  for (int64_t c : cfg.multi_cardinalities) cols.push_back(torch::randint(c, {B, 16}, torch::kInt64));
  b.multi = torch::stack(cols, 1);                                     // [B, 5, 16]
  b.multi_mask = (torch::rand({B, 5, 16}) < 0.5).to(torch::kFloat32);  // [B, 5, 16]
  std::vector<torch::Tensor> lists;
  for (int64_t i = 0; i < B; ++i)
    lists.push_back(torch::randperm(cfg.n_intents, torch::kInt64).narrow(0, 0, C));
  b.cand = torch::stack(lists);  // [B, C]
  b.cand_mask = torch::ones({B, C}, torch::kBool);
  b.labels = torch::zeros({B, C});
  if (cfg.query_dim > 0) b.query = torch::randn({B, cfg.query_dim});  // [B, E]
  return b;
}

// p50 and p99 milliseconds of fn() over iters calls, after 20 for warm-up.
template <class F>
std::pair<double, double> percentiles(long iters, F&& fn) {
  std::vector<double> ms;
  for (long i = 0; i < iters + 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    const double dt =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i >= 20) ms.push_back(dt);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 99 / 100]};
}

// The user tower alone (the part of a ranker pass that runs once per request, whatever the candidates).
void measure_user_tower(int64_t B, bool fused, long iters, int threads) {
  auto cfg = bench_config("two-tower", 200);
  torch::manual_seed(0);
  rgalign::UserTower tower(cfg);
  tower->set_fused_inference(fused);
  tower->eval();
  auto b = bench_batch(cfg, B, 200);
  c10::InferenceMode guard;
  auto [p50, p99] = percentiles(iters, [&] { (void)tower->forward(b).sum().item<float>(); });
  std::printf(
      "name=serve_user_tower_cpp batch=%ld inference=%s threads=%d iters=%ld p50_ms=%.3f p99_ms=%.3f "
      "p50_ms_per_request=%.4f\n",
      static_cast<long>(B), fused ? "fused" : "modules", threads, iters, p50, p99,
      p50 / static_cast<double>(B));
}

// One ranker pass over B requests with C candidates each: p50 and p99 milliseconds per pass.
void measure(const char* model, int64_t B, int64_t C, bool fused, long iters, int threads) {
  auto cfg = bench_config(model, C);
  torch::manual_seed(0);
  auto m = rgalign::make_ranker(cfg);
  m->set_fused_inference(fused);
  m->eval();
  auto b = bench_batch(cfg, B, C);
  c10::InferenceMode guard;
  // The answer is read, as the server reads it.
  auto [p50, p99] = percentiles(iters, [&] { (void)m->forward(b).max().item<float>(); });
  std::printf(
      "name=serve_score_cpp model=%s intents=%ld batch=%ld inference=%s threads=%d iters=%ld p50_ms=%.3f "
      "p99_ms=%.3f p50_ms_per_request=%.4f\n",
      model, static_cast<long>(C), static_cast<long>(B), fused ? "fused" : "modules", threads, iters, p50,
      p99, p50 / static_cast<double>(B));
}

}  // namespace

int main(int argc, char** argv) {
  using rgalign::bench::arg;
  const long iters = arg(argc, argv, "--iters", 300);
  const int threads = static_cast<int>(arg(argc, argv, "--threads", 1));
  rgalign::tune_allocator();
  at::set_num_threads(threads);
  const bool batched_only = arg(argc, argv, "--batched-only", 0) != 0;
  if (!batched_only) {
    for (int64_t C : {100, 1000, 10000})
      for (bool fused : {true, false}) measure("two-tower", 1, C, fused, iters, threads);
    for (int64_t C : {100, 1000, 10000})
      for (bool fused : {true, false}) measure("qe-rec", 1, C, fused, iters, threads);
  }
  for (int64_t B : {1, 8, 32})
    for (bool fused : {true, false}) measure("qe-rec", B, 200, fused, std::max(20L, iters / B), threads);
  for (int64_t B : {1, 8, 32})
    for (bool fused : {true, false}) measure_user_tower(B, fused, std::max(50L, iters / B), threads);
  return 0;
}
