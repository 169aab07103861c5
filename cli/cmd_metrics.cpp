// rgalign metrics: the DESIGN.md metrics of a predictions file.
#include <chrono>

#include "options_cli.h"
#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/common/progress.h"
#include "rgalign/eval/metrics.h"
#include "rgalign/eval/predictions.h"

namespace rgalign::cli {

namespace {
struct MetricsCliOptions {
  std::string pred, out;
  int bootstrap = 1000;
  uint64_t seed = 0;
  int threads = 2;
  bool skip_bad = false;

  template <class V>
  void visit(V&& v) {
    v("pred", pred,
      "predictions JSONL: {\"request_id\",\"scores\",\"labels\"[,\"truth\",\"segments\"]} per line", true);
    v("out", out, "metrics JSON to write", true);
    v("bootstrap", bootstrap, "bootstrap resamples for 95% intervals (0 = none)");
    v("seed", seed, "bootstrap seed");
    v("threads", threads, "CPU threads");
    v("skip-bad", skip_bad, "skip and count malformed lines (default: strict, fail on the first)");
  }
};
}  // namespace

Runner add_metrics(CLI::App& app) {
  auto opt = std::make_shared<MetricsCliOptions>();
  auto* sub = app.add_subcommand("metrics", "Compute GAUC, Recall@K, NDCG@K, ... from a predictions file");
  bind_options(sub, *opt);
  return [opt]() {
    echo_options("metrics", *opt);
    if (opt->threads < 1) throw InputError("--threads", "must be at least 1");
    if (opt->bootstrap < 0) throw InputError("--bootstrap", "must be >= 0");
    auto t0 = std::chrono::steady_clock::now();
    BadInputLog bad;
    GroupedScores groups = read_predictions(opt->pred, policy_of(opt->skip_bad), &bad);
    bad.report(opt->pred);
    auto t1 = std::chrono::steady_clock::now();
    MetricsOptions mo;
    mo.bootstrap_resamples = opt->bootstrap;
    mo.seed = opt->seed;
    mo.threads = opt->threads;
    MetricSet m = compute_metrics(groups, mo);
    Json j = metrics_to_json(m);
    write_json_file(opt->out, j);
    auto t2 = std::chrono::steady_clock::now();
    double read_s = std::chrono::duration<double>(t1 - t0).count(),
           all_s = std::chrono::duration<double>(t2 - t0).count();
    spdlog::info(
        "{} groups ({} skipped lines): gauc {:.4f} recall@3 {:.4f}; read {:.2f}s, total {:.2f}s, {} groups/s",
        m.n_groups, bad.n_bad, m.gauc, m.recall_at[1], read_s, all_s,
        human_count(static_cast<double>(m.n_groups) / std::max(1e-9, all_s)));
    return 0;
  };
}

}  // namespace rgalign::cli
