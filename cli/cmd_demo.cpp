// rgalign demo: the main job end to end on the built-in default world.
#include <cstdio>
#include <filesystem>

#include "options_cli.h"
#include "rgalign/common/atomic_file.h"
#include "rgalign/data/dataset.h"
#include "rgalign/eval/evaluate.h"
#include "rgalign/eval/paired.h"
#include "rgalign/eval/report.h"
#include "rgalign/rank/train_run.h"
#include "rgalign/reason/precompute.h"
#include "rgalign/reason/pretrain.h"
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

// The production baseline every later stage is compared against, request by request.
constexpr const char* kProductionBaseline = "two-tower";

struct Evaluated {
  Json metrics;
  GroupedScores groups;
};

Evaluated evaluate_test(const std::string& run, const Dataset& data, int threads) {
  EvalSplitOptions eo;
  eo.metrics.threads = threads;
  std::unique_ptr<Scorer> scorer = load_scorer(run, data);
  Evaluated e;
  e.groups = score_split(*scorer, data, eo);
  e.metrics = metrics_to_json(compute_metrics(e.groups, eo.metrics));
  write_json_file((std::filesystem::path(run) / "metrics_test.json").string(), e.metrics);
  return e;
}
}  // namespace

Runner add_demo(CLI::App& app) {
  auto opt = std::make_shared<DemoOptions>();
  auto* sub = app.add_subcommand(
      "demo", "simulate -> baselines -> reasoner -> QE-Rec -> report, on the built-in default world");
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
    Dataset data = Dataset::open(world.out);

    std::vector<ReportStage> stages;
    Json extra = {{"data", world.out}, {"quick", opt->quick}};
    GroupedScores baseline_groups, text_bow_groups;
    auto train = [&](TrainOptions t) {
      t.data = world.out;
      t.out = (fs::path(opt->out) / "runs" / t.model).string();
      t.seed = opt->seed;
      t.threads = opt->threads;
      if (opt->quick) t.epochs = 2;
      spdlog::info("demo: train {}", t.model);
      run_training(t);
      spdlog::info("demo: evaluate {} on the test week", t.model);
      return evaluate_test(t.out, data, opt->threads);
    };
    // The baselines: popularity, the DNN, the production two-tower, and text-bow (the production tower plus
    // bags of words of the request and intent texts: everything QE-Rec has except the LLM).
    for (const char* model : {"popularity", "dnn", "two-tower", "text-bow"}) {
      TrainOptions t;
      t.model = model;
      Evaluated e = train(t);
      ReportStage stage{"baseline", model, e.metrics, Json()};
      if (std::string(model) == kProductionBaseline) baseline_groups = std::move(e.groups);
      if (std::string(model) == "text-bow") {
        stage.paired = paired_comparison(baseline_groups, e.groups, MetricsOptions());
        text_bow_groups = std::move(e.groups);
      }
      stages.push_back(std::move(stage));
    }

    // The built-in reasoner, its latent queries for every split, then QE-Rec on them.
    ReasonerPretrainOptions p;
    p.data = world.out;
    p.out = (fs::path(opt->out) / "reasoner").string();
    p.seed = opt->seed;
    p.threads = opt->threads;
    if (opt->quick) {
      p.steps = 150;
      p.max_train_prompts = 3000;
    }
    spdlog::info("demo: pretrain the built-in reasoner");
    ReasonerPretrainResult pr = run_reasoner_pretrain(p);
    LatentPrecomputeOptions lp;
    lp.data = world.out;
    lp.reasoner = p.out;
    lp.threads = opt->threads;
    spdlog::info("demo: latent queries of every request");
    LatentPrecomputeResult lr = run_latent_precompute(lp);
    extra["reasoner"] = {{"dir", p.out},
                         {"parameters", pr.parameters},
                         {"valid_perplexity_before", pr.first_valid_ppl},
                         {"valid_perplexity_after", pr.final_valid_ppl},
                         {"latent_queries", lr.prompts},
                         {"latent_prompts_per_s", lr.prompts_per_s}};
    TrainOptions q;
    q.model = "qe-rec";
    q.reasoner = p.out;
    Evaluated e = train(q);
    ReportStage stage{"qe-rec", "qe-rec", e.metrics,
                      paired_comparison(baseline_groups, e.groups, MetricsOptions())};
    extra["qe_rec_vs_text_bow"] = paired_comparison(text_bow_groups, e.groups, MetricsOptions());
    stages.push_back(std::move(stage));

    write_report(opt->out, "rgalign demo", stages, extra, kProductionBaseline);
    std::fputs(report_markdown("rgalign demo", stages, kProductionBaseline).c_str(), stdout);
    spdlog::info("report: {}", (fs::path(opt->out) / "report.md").string());
    return 0;
  };
}

}  // namespace rgalign::cli
