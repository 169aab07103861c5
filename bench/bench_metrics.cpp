// Metric computation speed: (1) the library on N groups x C in-memory candidates with 1000 bootstrap
// resamples (default 1M x 200), broken into per-group statistics, pooled AUC and bootstrap; (2) `rgalign
// metrics` end to end (read JSONL + compute + write) on a generated predictions file, in groups/s.
//
//   build/bench/bench_metrics [--groups 1000000] [--candidates 200] [--cli-groups 100000] [--threads 2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench_args.h"

#include "rgalign/common/allocator.h"
#include "rgalign/eval/auc.h"
#include "rgalign/eval/bootstrap.h"
#include "rgalign/eval/metrics.h"
#include "rgalign/eval/predictions.h"
#include "rgalign/sim/rng.h"

namespace {

using rgalign::bench::arg;
using rgalign::bench::sarg;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// One click per group; the clicked candidate's score is shifted up so the model is better than chance. Scores
// are quantised to 1/64 so that ties occur, as with real models' float outputs at scale.
void fill_group(rgalign::sim::Rng& rng, int c, std::vector<float>& s, std::vector<float>& y) {
  s.resize(static_cast<size_t>(c));
  y.assign(static_cast<size_t>(c), 0.0f);
  for (auto& x : s) x = static_cast<float>(std::round(rng.normal() * 64) / 64);
  size_t click = rng.below(static_cast<uint64_t>(c));
  y[click] = 1.0f;
  s[click] += 1.0f;
}

}  // namespace

int main(int argc, char** argv) {
  rgalign::tune_allocator();
  const long n_groups = arg(argc, argv, "--groups", 1000000);
  const int n_cand = static_cast<int>(arg(argc, argv, "--candidates", 200));
  const long cli_groups = arg(argc, argv, "--cli-groups", 100000);
  const int threads = static_cast<int>(arg(argc, argv, "--threads", 2));

  // (1) library, in memory.
  {
    rgalign::sim::Rng rng(1);
    rgalign::GroupedScores data;
    data.reserve(static_cast<size_t>(n_groups), static_cast<size_t>(n_groups) * n_cand);
    std::vector<float> s, y;
    for (long g = 0; g < n_groups; ++g) {
      fill_group(rng, n_cand, s, y);
      data.add_group(s, y);
    }
    auto t0 = Clock::now();
    auto stats = rgalign::compute_group_stats(data, threads);
    double t_stats = since(t0);
    auto t1 = Clock::now();
    double auc = rgalign::pooled_auc(data.scores(), data.labels());
    double t_auc = since(t1);
    auto t2 = Clock::now();
    auto ci = rgalign::bootstrap_ci95(stats, nullptr, 1000, 0, threads);
    double t_boot = since(t2);
    auto t3 = Clock::now();
    rgalign::MetricsOptions opt;
    opt.threads = threads;
    rgalign::MetricSet m = rgalign::compute_metrics(data, opt);
    double t_all = since(t3);
    std::printf(
        "name=metrics_library groups=%ld candidates=%d threads=%d group_stats_s=%.2f pooled_auc_s=%.2f "
        "bootstrap1000_s=%.2f total_s=%.2f groups_per_s=%.0f gauc=%.4f auc=%.4f\n",
        n_groups, n_cand, threads, t_stats, t_auc, t_boot, t_all, n_groups / t_all, m.gauc, auc);
    (void)ci;
  }

  // (2) `rgalign metrics` end to end.
  if (cli_groups > 0) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "rgalign-bench-metrics";
    fs::create_directories(dir);
    const std::string preds = (dir / "preds.jsonl").string(), out = (dir / "metrics.json").string();
    {
      rgalign::sim::Rng rng(2);
      std::ofstream f(preds);
      std::vector<float> s, y;
      for (long g = 0; g < cli_groups; ++g) {
        fill_group(rng, n_cand, s, y);
        rgalign::PredictionLine p;
        p.request_id = "r" + std::to_string(g);
        p.scores = s;
        p.labels = y;
        p.segments = {"market:M" + std::to_string(g % 8)};
        f << rgalign::prediction_to_json_line(p) << '\n';
      }
    }
    const double mb = static_cast<double>(fs::file_size(preds)) / 1e6;
    const std::string cmd = std::string(RGALIGN_BINARY) + " --log-level warn metrics --pred " + preds +
                            " --out " + out + " --threads " + std::to_string(threads);
    auto t0 = Clock::now();
    int rc = std::system(cmd.c_str());
    double t = since(t0);
    std::printf(
        "name=metrics_cli groups=%ld candidates=%d file_mb=%.0f seconds=%.2f groups_per_s=%.0f mb_per_s=%.1f "
        "rc=%d\n",
        cli_groups, n_cand, mb, t, cli_groups / t, mb / t, rc);
    fs::remove_all(dir);
  }
  return 0;
}
