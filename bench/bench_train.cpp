// Training speed of a ranker: samples/s of full training steps (batch gather, forward, ListNet loss,
// backward, gradient clipping, AdamW) at the default batch size, on synthetic data with the default world's
// layout. The two-tower production baseline by default (bench/bench_train.sh runs it beside the line-for-line
// Python reference); `--model qe-rec` with latent queries and intent texts of the built-in reasoner's width.
//
// `--field-attention both` runs the same steps with AutoInt's fused field attention (rank/field_attention.h)
// and with the module path, in one process, and prints both lines and their ratio; `--pair-stage both` does
// the same for QE-Rec's fused pair stage with its backward (rank/qe_rec_pair_train.h). `--candidates K` sets
// the candidates per request (200 by default; K = 48 is what sampled-candidate training scores per step).
//
//   build/bench/bench_train [--model two-tower|qe-rec] [--steps 60] [--batch 256] [--threads 2]
//                           [--field-attention fused|modules|both] [--pair-stage fused|modules|both]
//                           [--candidates 200]
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "bench_args.h"

#include "rgalign/common/allocator.h"
#include "rgalign/rank/encoded_data.h"
#include "rgalign/rank/field_attention.h"
#include "rgalign/rank/losses.h"
#include "rgalign/rank/qe_rec_pair_train.h"
#include "rgalign/rank/ranker.h"

namespace {

using rgalign::bench::arg;
using rgalign::bench::sarg;

}  // namespace

int main(int argc, char** argv) {
  const int64_t steps = arg(argc, argv, "--steps", 60), batch = arg(argc, argv, "--batch", 256);
  const int threads = static_cast<int>(arg(argc, argv, "--threads", 2));
  if (std::getenv("RGALIGN_DEFAULT_MALLOC") == nullptr) rgalign::tune_allocator();
  at::set_num_threads(threads);
  torch::manual_seed(0);
  // The default world's layout: 40 single-valued fields, 5 multi-valued fields padded to 16, ~200 candidates.
  rgalign::RankerConfig cfg;
  cfg.model = sarg(argc, argv, "--model", "two-tower");
  if (cfg.model == "qe-rec") cfg.query_dim = cfg.intent_text_dim = 128;
  for (int i = 0; i < 20; ++i) cfg.single_cardinalities.push_back(24);
  for (int i = 0; i < 20; ++i) cfg.single_cardinalities.push_back(14);
  cfg.multi_cardinalities = {20, 14, 8, 2050, 2050};
  cfg.n_intents = 1360;
  const int64_t n = 8192, L = 16, C = arg(argc, argv, "--candidates", 200);
  rgalign::EncodedRequests data;
  {
    std::vector<torch::Tensor> cols;
    for (int64_t c : cfg.single_cardinalities) cols.push_back(torch::randint(c, {n}, torch::kInt64));
    data.all.single = torch::stack(cols, 1);  // [n, 40]
    cols.clear();
    for (int64_t c : cfg.multi_cardinalities) cols.push_back(torch::randint(c, {n, L}, torch::kInt64));
    data.all.multi = torch::stack(cols, 1);                                    // [n, 5, L]
    data.all.multi_mask = (torch::rand({n, 5, L}) < 0.5).to(torch::kFloat32);  // [n, 5, L]
    data.all.cand = torch::randint(cfg.n_intents, {n, C}, torch::kInt64);      // [n, C]
    data.all.cand_mask = torch::ones({n, C}, torch::kBool);
    data.all.labels = torch::zeros({n, C});
    data.all.labels.index_put_({torch::arange(n), torch::randint(C, {n}, torch::kInt64)}, 1.0);
    if (cfg.query_dim > 0) data.all.query = torch::randn({n, cfg.query_dim});  // [n, E]
  }
  auto run = [&](bool fused, bool pair_fused) {
    rgalign::set_field_attention_fused(fused);
    rgalign::set_qe_rec_pair_train_fused(pair_fused);
    torch::manual_seed(1);
    auto model = rgalign::make_ranker(cfg);
    torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(2e-3).weight_decay(1e-4));
    auto perm = torch::randperm(n, torch::kInt64);
    auto step = [&](int64_t s) {
      const int64_t start = (s * batch) % (n - batch);
      rgalign::RankBatch b = data.take(perm.narrow(0, start, batch));
      opt.zero_grad();
      auto loss = rgalign::listnet_loss(model->forward(b), b.labels, b.cand_mask);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      opt.step();
      return loss.item<double>();
    };
    for (int64_t s = 0; s < 5; ++s) step(s);  // warm-up
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < steps; ++s) step(s);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string name = cfg.model;  // two-tower -> two_tower_train_cpp
    std::replace(name.begin(), name.end(), '-', '_');
    std::printf(
        "name=%s_train_cpp field_attention=%s pair_stage=%s batch=%ld threads=%d steps=%ld seconds=%.2f "
        "samples_per_s=%.0f torch=%s\n",
        name.c_str(), fused ? "fused" : "modules", pair_fused ? "fused" : "modules", static_cast<long>(batch),
        threads, static_cast<long>(steps), dt, steps * batch / dt, TORCH_VERSION);
    return steps * batch / dt;
  };
  const std::string field = sarg(argc, argv, "--field-attention", "fused");
  const std::string pair = sarg(argc, argv, "--pair-stage", "fused");
  for (const auto& [flag, mode] : {std::pair{"--field-attention", field}, std::pair{"--pair-stage", pair}})
    if (mode != "fused" && mode != "modules" && mode != "both") {
      std::fprintf(stderr, "%s: fused, modules or both\n", flag);
      return 2;
    }
  if (field == "both" && pair == "both") {
    std::fprintf(stderr, "--field-attention both and --pair-stage both: compare one at a time\n");
    return 2;
  }
  // One comparison at a time: the other switch stays as given (both -> fused).
  const bool field_on = field != "modules", pair_on = pair != "modules";
  if (field != "both" && pair != "both") {
    run(field_on, pair_on);
    return 0;
  }
  const bool field_cmp = field == "both";
  const double fused = field_cmp ? run(true, pair_on) : run(field_on, true);
  const double modules = field_cmp ? run(false, pair_on) : run(field_on, false);
  std::printf("name=%s_train_speedup model=%s batch=%ld threads=%d fused_over_modules=%.2f\n",
              field_cmp ? "field_attention" : "pair_stage", cfg.model.c_str(), static_cast<long>(batch),
              threads, fused / modules);
  return 0;
}
