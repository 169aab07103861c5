// rgalign demo: the main job end to end on the built-in default world: simulate -> popularity and the
// production two-tower -> the built-in reasoner -> QE-Rec -> the four RGA stages -> report.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "options_cli.h"
#include "rgalign/align/pipeline.h"
#include "rgalign/common/atomic_file.h"
#include "rgalign/data/dataset.h"
#include "rgalign/eval/evaluate.h"
#include "rgalign/rank/scorer.h"
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
    v("out", out, "output directory (data, runs, reasoner, report)", true);
    v("quick", quick, "a small world and short training, for a fast check");
    v("seed", seed, "world and training seed");
    v("threads", threads, "CPU threads");
  }
};

// `demo --quick`: a 1,200-user world and every stage on a small budget (one closed-loop round), so that the
// whole demo fits in 5 minutes on 2 cores.
constexpr int kQuickUsers = 1200;

AlignConfig quick_config() {
  AlignConfig c;
  c.run.baseline_epochs = 2;
  c.run.eval_bootstrap = 300;
  c.reasoner.pretrain_steps = 60;
  c.reasoner.pretrain_prompts = 1500;
  c.reasoner.latent_tokens = 16;
  c.reward_model.epochs = 2;
  c.teachers.requests = 300;
  c.calibration.rounds = 1;
  c.calibration.epochs = 1;
  return c;
}
}  // namespace

Runner add_demo(CLI::App& app) {
  auto opt = std::make_shared<DemoOptions>();
  auto* sub = app.add_subcommand(
      "demo",
      "simulate -> baselines -> reasoner -> QE-Rec -> RGA stages -> report, on the built-in default world");
  bind_options(sub, *opt);
  return [opt]() {
    namespace fs = std::filesystem;
    echo_options("demo", *opt);
    const auto t0 = std::chrono::steady_clock::now();
    make_dirs(opt->out);
    sim::WorldOptions world;
    world.out = (fs::path(opt->out) / "data").string();
    world.seed = opt->seed;
    if (opt->quick) world.users = kQuickUsers;
    spdlog::info("demo: simulate the world into {}", world.out);
    sim::generate_world(world);
    Dataset data = Dataset::open(world.out);

    // Popularity: the floor every learned ranker must clear.
    TrainOptions pop;
    pop.data = world.out;
    pop.model = "popularity";
    pop.out = (fs::path(opt->out) / "popularity").string();
    pop.seed = opt->seed;
    run_training(pop);
    EvalSplitOptions eo;
    eo.metrics.threads = opt->threads;
    const Json popularity = metrics_to_json(evaluate_split(*load_scorer(pop.out, data), data, eo));
    write_json_file((fs::path(pop.out) / "metrics_test.json").string(), popularity);

    // The pipeline, with the demo directory as its run directory.
    AlignConfig cfg = opt->quick ? quick_config() : AlignConfig();
    cfg.run.seed = opt->seed;
    cfg.run.threads = opt->threads;
    AlignOptions ao;
    ao.data = world.out;
    ao.out = opt->out;
    Json report = run_align(ao, cfg);
    report["popularity"] = popularity;
    report["quick"] = opt->quick;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report["demo_seconds"] = seconds;  // the whole demo: the world, popularity and the pipeline
    write_json_file((fs::path(opt->out) / "report.json").string(), report);
    spdlog::info("demo: popularity GAUC {:.4f}, Recall@3 {:.4f}; report: {}",
                 popularity["gauc"].get<double>(), popularity["recall@3"].get<double>(),
                 (fs::path(opt->out) / "report.md").string());
    spdlog::info("demo: done in {:.1f} min (step times and the machine's GEMM rate: report.md, Time)",
                 seconds / 60);
    return 0;
  };
}

}  // namespace rgalign::cli
