// rgalign demo: the main job end to end on the built-in default world.
#include <cstdio>
#include <filesystem>

#include "options_cli.h"
#include "rgalign/common/atomic_file.h"
#include "rgalign/eval/eval_run.h"
#include "rgalign/eval/report.h"
#include "rgalign/rank/train_run.h"
#include "rgalign/sim/world.h"

namespace rgalign::cli {

namespace {
struct DemoOptions {
  std::string out;
  bool quick = false;
  uint64_t seed = 1;
  int threads = 2;

  template <class V>
  void visit(V&& v) {
    v("out", out, "output directory (data, runs, report)", true);
    v("quick", quick, "a small world and short training, for a fast check");
    v("seed", seed, "world and training seed");
    v("threads", threads, "CPU threads");
  }
};
}  // namespace

Runner add_demo(CLI::App& app) {
  auto opt = std::make_shared<DemoOptions>();
  auto* sub = app.add_subcommand("demo", "simulate -> baselines -> report, on the built-in default world");
  bind_options(sub, *opt);
  return [opt]() {
    namespace fs = std::filesystem;
    echo_options("demo", *opt);
    make_dirs(opt->out);
    sim::WorldOptions world;
    world.out = (fs::path(opt->out) / "data").string();
    world.seed = opt->seed;
    if (opt->quick) world.users = 3000;
    spdlog::info("demo: simulate the world into {}", world.out);
    sim::generate_world(world);

    std::vector<ReportStage> stages;
    // The baselines every later stage is compared against: popularity, the DNN, the production two-tower, and
    // text-bow (the production tower plus bags of words of the request and intent texts, no LLM).
    for (const char* model : {"popularity", "dnn", "two-tower", "text-bow"}) {
      TrainOptions t;
      t.data = world.out;
      t.model = model;
      t.out = (fs::path(opt->out) / "runs" / model).string();
      t.seed = opt->seed;
      t.threads = opt->threads;
      if (opt->quick) t.epochs = 2;
      spdlog::info("demo: train {}", model);
      run_training(t);
      EvalOptions e;
      e.run = t.out;
      e.data = world.out;
      e.out = (fs::path(t.out) / "metrics_test.json").string();
      e.threads = opt->threads;
      spdlog::info("demo: evaluate {} on the test week", model);
      stages.push_back({"baseline", model, run_eval(e)});
    }
    write_report(opt->out, "rgalign demo", stages, {{"data", world.out}, {"quick", opt->quick}});
    std::fputs(report_markdown("rgalign demo", stages).c_str(), stdout);
    spdlog::info("report: {}", (fs::path(opt->out) / "report.md").string());
    return 0;
  };
}

}  // namespace rgalign::cli
