// The align pipeline: steps, run directory, resume, report.
#include "rgalign/align/pipeline.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "rgalign/align/candidates.h"
#include "rgalign/align/reward.h"
#include "rgalign/align/student_stages.h"
#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/machine_speed.h"
#include "rgalign/data/dataset.h"
#include "rgalign/data/prompt.h"
#include "rgalign/dist/process_group.h"
#include "rgalign/eval/evaluate.h"
#include "rgalign/eval/paired.h"
#include "rgalign/eval/predictions.h"
#include "rgalign/eval/report.h"
#include "rgalign/eval/report_html.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/rank/run_dir.h"
#include "rgalign/rank/scorer.h"
#include "rgalign/rank/train_run.h"
#include "rgalign/reason/latent_cache.h"
#include "rgalign/reason/pretrain.h"
#include "rgalign/reason/reasoner.h"

namespace rgalign {

namespace fs = std::filesystem;

const char* const kAlignStages[6] = {"baseline", "qe-rec", "rga-sft", "rga-dpo", "rga-cl", "rga-calibrated"};

namespace {

constexpr int64_t kMonitorRequests = 300;  // validation requests of the per-stage monitoring
constexpr size_t kExamples = 4;            // example requests shown in the report

std::string abs_path(const std::string& p) {
  return fs::absolute(p).lexically_normal().string();
}

// Best validation GAUC in a ranker run's metrics.jsonl.
double best_valid_gauc(const std::string& run) {
  std::ifstream in(fs::path(run) / "metrics.jsonl");
  double best = -1;
  std::string line;
  while (std::getline(in, line)) {
    Json j = parse_json(line, run + "/metrics.jsonl");
    if (j.contains("valid_gauc")) best = std::max(best, j["valid_gauc"].get<double>());
  }
  return best;
}

Json read_metrics_lines(const std::string& path) {
  Json out = Json::array();
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(parse_json(line, path));
  return out;
}

// Launched as several ranks (rgalign launch), every rank runs the pipeline in step: the training steps (the
// baseline, the reward model, the student stages, calibration's fine-tuning and RG-CL) are data-parallel;
// everything else (pretraining the reasoner, teacher candidates, evaluation, monitoring, the report, the run
// directory's bookkeeping) runs on rank 0 while the others wait (DistGroup::on_root).
class Pipeline {
 public:
  Pipeline(const AlignOptions& opt, AlignConfig cfg)
      : opt_(opt),
        cfg_(std::move(cfg)),
        data_(Dataset::open(opt.data, policy())),
        run_(opt.out),
        dist_(DistGroup::world()) {}

  Json run() {
    dist_.on_root("opening the run directory", [&] { open_run(); });
    if (!dist_.is_root()) state_ = read_json_file((fs::path(run_) / "state.json").string());
    at::set_num_threads(cfg_.run.threads);
    step("baseline", [&] { baseline(); });
    step("reasoner", [&] { reasoner(); });
    step("qe-rec", [&] { reward_model(); });
    step("candidates", [&] { candidates(); });
    step("rga-sft", [&] { student_stage("rga-sft"); });
    if (cfg_.dpo.enabled) step("rga-dpo", [&] { student_stage("rga-dpo"); });
    if (cfg_.rgcl.enabled) step("rga-cl", [&] { student_stage("rga-cl"); });
    if (cfg_.calibration.rounds > 0) step("rga-calibrated", [&] { calibrate(); });
    step("report", [&] { root("the report", [&] { report(); }); });
    return read_json_file((fs::path(run_) / "report.json").string());
  }

 private:
  BadInputPolicy policy() const { return opt_.skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict; }
  std::string dir(const std::string& s) const { return abs_path((fs::path(run_) / s).string()); }
  std::string file(const std::string& s, const std::string& name) const {
    return (fs::path(dir(s)) / name).string();
  }

  void open_run() {
    const std::string state_path = (fs::path(run_) / "state.json").string();
    Json config = cfg_.to_json();
    if (fs::exists(state_path)) {
      if (!opt_.resume)
        throw InputError(run_, "a run already exists here",
                         "pass --resume to continue it, or choose another --out");
      state_ = read_json_file(state_path);
      // A key the run's configuration lacks was added to the pipeline after the run started; with its default
      // value the run is the same run.
      Json started = AlignConfig().to_json();
      started.merge_patch(state_["config"]);
      if (started != config)
        throw InputError(run_, "the configuration differs from the one this run started with",
                         "resume with the same configuration, or start a new run");
      spdlog::info("resuming {}: {} step(s) complete", run_, state_["done"].size());
    } else {
      make_dirs(run_);
      state_ = {{"config", config}, {"done", Json::array()}, {"seconds", Json::object()}};
      write_json_file(state_path, state_);
      Json run_config = config;
      run_config["data"] = abs_path(opt_.data);  // where `rgalign serve --run` finds the catalogue and schema
      write_run_json(
          run_, "align", "rgalign-rec", run_config,
          {(fs::path(opt_.data) / "schema.yaml").string(), (fs::path(opt_.data) / "intents.jsonl").string(),
           data_.split_path("train"), data_.split_path("valid"), data_.split_path("test")});
    }
  }

  bool done(const std::string& s) const {
    for (const auto& d : state_["done"])
      if (d == s) return true;
    return false;
  }

  template <class F>
  void step(const std::string& s, F&& f) {
    if (done(s)) {
      spdlog::info("align: {} already complete", s);
      return;
    }
    root("preparing " + s, [&] {
      fs::remove_all(dir(s));  // a step that did not complete starts again from nothing
      make_dirs(dir(s));
    });
    // What the step's time is measured on, probed as it starts (about 1 s): a resumed run's steps may run on
    // other machines, and a shared machine's speed drifts (other tenants, the page cache writing back a
    // freshly simulated world).
    MachineSpeed machine;
    if (dist_.is_root()) {
      machine = measure_machine_speed();
      spdlog::info("align: {} ({} thread(s) of {}: float32 GEMM {:.0f} GFLOP/s)", s, machine.threads,
                   machine.cpu.empty() ? std::string("an unnamed CPU") : machine.cpu, machine.gemm_gflops);
    } else {
      spdlog::info("align: {}", s);
    }
    const auto t0 = std::chrono::steady_clock::now();
    f();
    state_["done"].push_back(s);
    state_["seconds"][s] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state_["machine"][s] = {
        {"cpu", machine.cpu}, {"threads", machine.threads}, {"gemm_gflops", machine.gemm_gflops}};
    root("recording " + s, [&] { write_json_file((fs::path(run_) / "state.json").string(), state_); });
  }

  // Rank 0's part of a step; the other ranks wait for it.
  void root(const std::string& what, const std::function<void()>& f) { dist_.on_root(what, f); }

  TrainOptions train_options(const std::string& model, const std::string& out) const {
    TrainOptions t;
    t.data = opt_.data;
    t.model = model;
    t.out = out;
    t.seed = cfg_.run.seed;
    t.threads = cfg_.run.threads;
    t.skip_bad = opt_.skip_bad;
    return t;
  }

  TrainOptions qe_rec_options(const std::string& reasoner, const std::string& cache,
                              const std::string& out) const {
    TrainOptions t = train_options("qe-rec", out);
    t.reasoner = reasoner;
    t.cache = cache;
    t.latent_tokens = cfg_.reasoner.latent_tokens;
    t.epochs = cfg_.reward_model.epochs;
    t.intent_id_dropout = cfg_.reward_model.intent_id_dropout;
    t.train_candidates = cfg_.reward_model.train_candidates;
    t.pooling = cfg_.reward_model.pooling;
    t.tie_text_projection = cfg_.reward_model.tie_text_projection;
    t.query_match = cfg_.reward_model.query_match;
    return t;
  }

  // GAUC of a ranker run on the validation split (what training's early stopping reads, computed the same
  // way).
  double valid_gauc(const std::string& ranker) {
    EvalSplitOptions eo;
    eo.split = "valid";
    eo.policy = policy();
    eo.metrics.bootstrap_resamples = 0;
    eo.metrics.segments = false;
    eo.metrics.threads = cfg_.run.threads;
    auto scorer = load_scorer(ranker, data_);
    return evaluate_split(*scorer, data_, eo).gauc;
  }

  // Scores the test split with a ranker run: test_predictions.jsonl and metrics_test.json in the step dir.
  // Returns the metrics it wrote.
  Json evaluate_test(const std::string& ranker, const std::string& step_dir) {
    EvalSplitOptions eo;
    eo.preds_out = (fs::path(step_dir) / "test_predictions.jsonl").string();
    eo.policy = policy();
    eo.metrics.bootstrap_resamples = cfg_.run.eval_bootstrap;
    eo.metrics.threads = cfg_.run.threads;
    auto scorer = load_scorer(ranker, data_);
    MetricSet m = evaluate_split(*scorer, data_, eo);
    Json metrics = metrics_to_json(m);
    write_json_file((fs::path(step_dir) / "metrics_test.json").string(), metrics);
    spdlog::info("test: GAUC {:.4f}, Recall@3 {:.4f}", m.gauc, m.recall_at[1]);
    return metrics;
  }

  std::string base_reasoner() const {
    return cfg_.reasoner.dir.empty() ? dir("reasoner") : abs_path(cfg_.reasoner.dir);
  }

  void baseline() {
    TrainOptions t = train_options(cfg_.run.baseline, dir("baseline"));
    t.epochs = cfg_.run.baseline_epochs;
    t.train_candidates = cfg_.run.baseline_train_candidates;
    run_training(t);
    root("evaluating the baseline", [&] { evaluate_test(dir("baseline"), dir("baseline")); });
  }

  void reasoner() {
    root("the reasoner", [&] { reasoner_on_root(); });
  }

  void reasoner_on_root() {
    if (!cfg_.reasoner.dir.empty()) {
      auto r = Reasoner::load(cfg_.reasoner.dir);  // fails early, naming the directory
      write_json_file(file("reasoner", "step.json"),
                      {{"dir", abs_path(cfg_.reasoner.dir)}, {"checkpoint_hash", r->checkpoint_hash()}});
      return;
    }
    ReasonerPretrainOptions p;
    p.data = opt_.data;
    p.out = dir("reasoner");
    p.seed = cfg_.run.seed;
    p.threads = cfg_.run.threads;
    p.steps = cfg_.reasoner.pretrain_steps;
    p.max_train_prompts = cfg_.reasoner.pretrain_prompts;
    p.skip_bad = opt_.skip_bad;
    ReasonerPretrainResult r = run_reasoner_pretrain(p);
    write_json_file(file("reasoner", "step.json"), {{"dir", p.out},
                                                    {"parameters", r.parameters},
                                                    {"valid_perplexity_before", r.first_valid_ppl},
                                                    {"valid_perplexity_after", r.final_valid_ppl}});
  }

  // Stage 1: QE-Rec, frozen as the reward model. Its training latent queries have the form every candidate is
  // scored in later (prompt + a latent-query text, of mixed quality: the base reasoner's own, the simulated
  // teachers', the KB-retrieval teacher's), so its rewards read texts it has learned to read; validation
  // and test use the base reasoner's own latent queries, as serving does.
  void reward_model() {
    TrainOptions t = qe_rec_options(base_reasoner(), file("qe-rec", "latent-cache"), dir("qe-rec"));
    root("the reward model's training texts", [&] {
      auto train = split("train");
      auto base = Reasoner::load(base_reasoner());
      write_latent_texts(file("qe-rec", "latent_texts.jsonl"), train,
                         reward_model_texts(train, data_, cfg_, *base));
    });
    t.latent_texts = file("qe-rec", "latent_texts.jsonl");
    run_training(t);
    root("evaluating the reward model", [&] {
      evaluate_test(dir("qe-rec"), dir("qe-rec"));
      Json step = {{"valid_gauc", best_valid_gauc(dir("qe-rec"))}};
      step["monitor"] = monitor(base_reasoner(), file("qe-rec", "latent-cache"));
      write_json_file(file("qe-rec", "step.json"), step);
    });
  }

  std::vector<Request> split(const std::string& name) const {
    return read_requests(data_.split_path(name), data_.schema(), data_.catalog(), policy());
  }
  // The training requests given teacher candidates; read once (every student stage and round needs them).
  // The candidates step draws them from the training split and writes them beside the candidates, and the
  // student stages read that file: ranks other than 0 never hold the whole training split.
  const std::vector<Request>& distill_requests() {
    if (!distill_.empty()) return distill_;
    const std::string path = file("candidates", "requests.jsonl");
    if (done("candidates") && fs::exists(path)) {
      distill_ = read_requests(path, data_.schema(), data_.catalog(), BadInputPolicy::kStrict);
    } else {
      distill_ = pick_requests(split("train"), cfg_.teachers.requests);
      AtomicFile f(path);
      for (const auto& r : distill_)
        f.stream() << request_to_json_line(r, data_.schema(), data_.catalog()) << '\n';
      f.commit();
    }
    return distill_;
  }

  void candidates() {
    root("teacher candidates", [&] { candidates_on_root(); });
  }

  void candidates_on_root() {
    const auto& requests = distill_requests();
    auto student = Reasoner::load(base_reasoner());
    auto rm = RewardModel::load(dir("qe-rec"), data_);
    auto proposed = propose_candidates(requests, data_, cfg_, *student, run_);
    auto scored = score_candidates(requests, std::move(proposed), data_.schema(), *student, *rm, cfg_);
    write_candidates(file("candidates", "candidates.jsonl"), requests, scored);
    // Teacher win rates: the share of requests whose best candidate came from each teacher.
    Json teachers = Json::object();
    int64_t pairs = 0, with = 0;
    for (const auto& rc : scored) {
      if (rc.candidates.empty()) continue;
      ++with;
      pairs += rc.pick.pair ? 1 : 0;
      for (size_t k = 0; k < rc.candidates.size(); ++k) {
        Json& t = teachers[rc.candidates[k].teacher];
        if (t.is_null()) t = {{"candidates", 0}, {"wins", 0}, {"reward_sum", 0.0}};
        t["candidates"] = t["candidates"].get<int64_t>() + 1;
        t["reward_sum"] = t["reward_sum"].get<double>() + rc.candidates[k].reward;
        t["wins"] = t["wins"].get<int64_t>() + (static_cast<int>(k) == rc.pick.best ? 1 : 0);
      }
    }
    for (auto& [name, t] : teachers.items()) {
      t["win_rate"] =
          static_cast<double>(t["wins"].get<int64_t>()) / static_cast<double>(std::max<int64_t>(1, with));
      t["mean_reward"] = t["reward_sum"].get<double>() / t["candidates"].get<double>();
      t.erase("reward_sum");
    }
    spdlog::info("candidates: {} requests, {} DPO pairs; teachers {}", with, pairs, teachers.dump());
    write_json_file(file("candidates", "step.json"),
                    {{"requests", with}, {"dpo_pairs", pairs}, {"teachers", teachers}});
  }

  StudentData student_data(Reasoner& student) {
    const auto& requests = distill_requests();
    auto scored = read_candidates(file("candidates", "candidates.jsonl"), requests);
    StudentData d;
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto& rc = scored[i];
      if (rc.candidates.empty()) continue;
      const Request& r = requests[i];
      d.prompts.push_back(student.prompt_ids(render_prompt(r, data_.schema())));
      d.best.push_back(student.text_ids(rc.candidates[static_cast<size_t>(rc.pick.best)].text));
      d.worst.push_back(student.text_ids(rc.candidates[static_cast<size_t>(rc.pick.worst)].text));
      d.pair.push_back(rc.pick.pair);
      int32_t clicked = r.candidates.front();
      for (size_t k = 0; k < r.labels.size(); ++k)
        if (r.labels[k] > 0) {
          clicked = r.candidates[k];
          break;
        }
      d.clicked.push_back(clicked);
      d.requests.push_back(r);
    }
    return d;
  }

  // The last student stage done before `stage`, or "" when there is none (the base reasoner).
  std::string student_stage_before(const std::string& stage) const {
    std::string prev;
    for (const char* s : {"rga-sft", "rga-dpo", "rga-cl"}) {
      if (stage == s) break;
      if (done(s)) prev = s;
    }
    return prev;
  }

  // The reasoner a stage starts from: the output of the last student stage before it, or the base one.
  std::string reasoner_before(const std::string& stage) const {
    const std::string prev = student_stage_before(stage);
    return prev.empty() ? base_reasoner() : file(prev, "reasoner");
  }

  // The latent cache holding that reasoner's latent queries (the ones its stage was evaluated with).
  std::string latent_cache_before(const std::string& stage) const {
    const std::string prev = student_stage_before(stage);
    return file(prev.empty() ? "qe-rec" : prev, "latent-cache");
  }

  // The frozen reward model with another reasoner: the RM's weights and encoder, its config pointing at the
  // reasoner and a latent cache of its own. Scoring it is how a student stage is evaluated.
  void frozen_ranker(const std::string& reasoner_dir, const std::string& cache, const std::string& out) {
    make_dirs(out);
    for (const char* f : {"encoder.json", "model.safetensors"})
      fs::copy_file(file("qe-rec", f), fs::path(out) / f, fs::copy_options::overwrite_existing);
    const std::string cfg_path = file("qe-rec", "model_config.json");
    RankerConfig c = RankerConfig::from_json(read_json_file(cfg_path), cfg_path);
    c.reasoner = abs_path(reasoner_dir);
    c.reasoner_hash = checkpoint_hash(reasoner_dir);
    c.latent_cache = abs_path(cache);
    write_json_file((fs::path(out) / "model_config.json").string(), c.to_json());
    write_run_json(out, "align (frozen reward model)", "qe-rec",
                   {{"reward_model", dir("qe-rec")}, {"reasoner", c.reasoner}}, {});
  }

  void student_stage(const std::string& stage) {
    const std::string from = reasoner_before(stage);
    auto student = Reasoner::load(from);
    StudentData d = student_data(*student);
    StageTrainResult r;
    if (stage == "rga-sft") {
      r = run_rg_sft(*student, d, cfg_.sft, cfg_.reasoner, cfg_.run.seed, dir(stage));
    } else if (stage == "rga-dpo") {
      r = run_rg_dpo(*student, d, cfg_.dpo, cfg_.reasoner, cfg_.run.seed, dir(stage));
    } else {
      auto rm = RewardModel::load(dir("qe-rec"), data_);
      r = run_rg_cl(*student, *rm, d, cfg_.rgcl, cfg_.reasoner, cfg_.run.seed, dir(stage));
    }
    root("evaluating " + stage, [&] {
      save_student(*student, from, file(stage, "reasoner"));
      student.reset();
      frozen_ranker(file(stage, "reasoner"), file(stage, "latent-cache"), file(stage, "ranker"));
      evaluate_test(file(stage, "ranker"), dir(stage));
      Json step = {{"from", from},
                   {"items", r.items},
                   {"steps", r.steps},
                   {"first_loss", r.first_loss},
                   {"final_loss", r.final_loss},
                   {"seconds", r.seconds}};
      step["monitor"] = monitor(file(stage, "reasoner"), file(stage, "latent-cache"));
      write_json_file(file(stage, "step.json"), step);
    });
  }

  // Copies the cache directory `from` to `to` unless `to` exists; through a temporary directory renamed at
  // the end, so a killed copy is redone.
  static void seed_latent_cache(const std::string& from, const std::string& to) {
    if (fs::exists(to) || !fs::exists(from)) return;
    const std::string tmp = to + ".tmp";
    fs::remove_all(tmp);
    fs::copy(from, tmp, fs::copy_options::recursive);
    fs::rename(tmp, to);
  }

  // A ranker's validation GAUC, scored on rank 0 into `path` and read from there by every rank.
  double shared_valid_gauc(const std::string& ranker, const std::string& path) {
    root("scoring " + ranker + " on validation", [&] {
      write_json_file(path, {{"valid_gauc", valid_gauc(ranker)}});
    });
    return read_json_file(path)["valid_gauc"].get<double>();
  }

  // A calibration fine-tune: the ranker `init` trained on for `calibration.epochs` at `calibration.lr` on the
  // latent queries of `reasoner`. The intent tower reads the intent-text embeddings it was trained on (the
  // reward model's, which every stage is evaluated with); only the latent queries change.
  TrainOptions calibration_fine_tune(const std::string& init, const std::string& reasoner,
                                     const std::string& cache, const std::string& out) const {
    TrainOptions t = qe_rec_options(reasoner, cache, out);
    t.init = init;
    t.keep_intent_text = true;
    t.epochs = cfg_.calibration.epochs;
    t.lr = cfg_.calibration.lr;
    return t;
  }

  // Closed-loop calibration. Round 0 is the aligned reasoner with the reward model as it is (the last student
  // stage's ranker). Round 1 regenerates every latent query with the aligned reasoner and fine-tunes the
  // ranker from the reward model's weights; each further round first runs RG-CL against the ranker of the
  // round before (closing the loop), then regenerates and fine-tunes again. A round is kept only if its
  // validation GAUC beats every round before it, round 0 included, so calibration never serves a ranker that
  // is worse on validation than not calibrating; the best round is the stage's ranker. The reward model with
  // the base reasoner (the qe-rec stage) competes too: when it beats every round on validation it is the
  // stage's ranker ("kept": "reward-model"), so the pipeline never serves an alignment that validation says
  // is worse than none.
  void calibrate() {
    const std::string cache = file("rga-calibrated", "latent-cache");
    std::string reasoner_dir = reasoner_before("rga-calibrated");
    std::string ranker = dir("qe-rec");
    const std::string round0 = file("rga-calibrated", "round-0");
    const std::string ranker0 = (fs::path(round0) / "ranker").string();
    root("calibration round 0", [&] {
      // The cache starts as a copy of the aligned reasoner's own: its keys name the checkpoint, so the test
      // week's latent queries, written when its stage was evaluated, are not generated again.
      seed_latent_cache(latent_cache_before("rga-calibrated"), cache);
      frozen_ranker(reasoner_dir, cache, ranker0);
    });
    // The candidate kept so far; a later one replaces it only by beating it on validation.
    struct Kept {
      std::string name, ranker, reasoner;
      double valid_gauc;
    };
    Kept kept{"round-0", ranker0, reasoner_dir,
              shared_valid_gauc(ranker0, (fs::path(round0) / "valid.json").string())};
    const double rm_valid =
        shared_valid_gauc(dir("qe-rec"), file("rga-calibrated", "reward-model-valid.json"));
    spdlog::info(
        "calibration round 0 (no fine-tuning): validation GAUC {:.4f}; the reward model with the base "
        "reasoner: {:.4f}",
        kept.valid_gauc, rm_valid);
    Json rounds = Json::array({{{"round", 0}, {"valid_gauc", kept.valid_gauc}, {"reasoner", reasoner_dir}}});
    if (rm_valid > kept.valid_gauc) kept = {"reward-model", dir("qe-rec"), base_reasoner(), rm_valid};
    for (int round = 1; round <= cfg_.calibration.rounds; ++round) {
      const std::string rdir = file("rga-calibrated", "round-" + std::to_string(round));
      root("calibration round " + std::to_string(round), [&] { make_dirs(rdir); });
      if (round > 1) {
        auto student = Reasoner::load(reasoner_dir);
        StudentData d = student_data(*student);
        auto rm = RewardModel::load(ranker, data_);
        run_rg_cl(*student, *rm, d, cfg_.rgcl, cfg_.reasoner, cfg_.run.seed + static_cast<uint64_t>(round),
                  rdir);
        root("saving the round's reasoner",
             [&] { save_student(*student, reasoner_dir, (fs::path(rdir) / "reasoner").string()); });
        reasoner_dir = (fs::path(rdir) / "reasoner").string();
      }
      TrainOptions t =
          calibration_fine_tune(ranker, reasoner_dir, cache, (fs::path(rdir) / "ranker").string());
      run_training(t);
      const double v = best_valid_gauc(t.out);
      spdlog::info("calibration round {}: validation GAUC {:.4f} (best so far {:.4f})", round, v,
                   kept.valid_gauc);
      rounds.push_back({{"round", round}, {"valid_gauc", v}, {"reasoner", reasoner_dir}});
      if (v <= kept.valid_gauc) break;
      kept = {"round-" + std::to_string(round), t.out, reasoner_dir, v};
      ranker = t.out;
    }
    spdlog::info("calibration keeps {} (validation GAUC {:.4f})", kept.name, kept.valid_gauc);
    root("evaluating calibration", [&] { evaluate_test(kept.ranker, dir("rga-calibrated")); });
    const Json control = cfg_.calibration.control ? calibration_control() : Json();
    root("recording calibration", [&] {
      Json step = {{"rounds", rounds},
                   {"reward_model_valid_gauc", rm_valid},
                   {"kept", kept.name},
                   {"ranker", kept.ranker},
                   {"reasoner", kept.reasoner}};
      if (!control.is_null()) step["control"] = control;
      step["monitor"] = monitor(kept.reasoner, cache);
      write_json_file(file("rga-calibrated", "step.json"), step);
    });
  }

  // The calibration control: a round's fine-tune (from the reward model's weights, the same epochs and step
  // size) on the base reasoner's own latent queries instead of the aligned reasoner's. Any such fine-tune
  // also moves the ranker from what the reward model was trained on (prompts with texts of mixed quality) to
  // what serving reads (the reasoner's own latent queries), and can gain from that alone; the final stage
  // minus this control is what the alignment adds. Not a candidate for the final ranker: it is not aligned.
  Json calibration_control() {
    const std::string cdir = file("rga-calibrated", "control");
    const std::string cache = (fs::path(cdir) / "latent-cache").string();
    // The reward model's cache holds the base reasoner's validation and test latent queries already.
    root("preparing the calibration control", [&] {
      make_dirs(cdir);
      seed_latent_cache(file("qe-rec", "latent-cache"), cache);
    });
    TrainOptions t =
        calibration_fine_tune(dir("qe-rec"), base_reasoner(), cache, (fs::path(cdir) / "ranker").string());
    run_training(t);
    const std::string path = (fs::path(cdir) / "control.json").string();
    root("evaluating the calibration control", [&] {
      const Json test = evaluate_test(t.out, cdir);
      const auto control = read_predictions((fs::path(cdir) / "test_predictions.jsonl").string(),
                                            BadInputPolicy::kStrict, nullptr);
      const auto final_stage = read_predictions(file("rga-calibrated", "test_predictions.jsonl"),
                                                BadInputPolicy::kStrict, nullptr);
      write_json_file(path,
                      {{"valid_gauc", best_valid_gauc(t.out)},
                       {"test", {{"gauc", test["gauc"]}, {"recall@3", test["recall@3"]}}},
                       {"final_minus_control", paired_comparison(control, final_stage, paired_options())}});
    });
    const Json out = read_json_file(path);
    spdlog::info(
        "calibration control: validation GAUC {:.4f}; final stage minus control on test: GAUC {:+.4f}",
        out["valid_gauc"].get<double>(), out["final_minus_control"]["gauc"]["diff"].get<double>());
    return out;
  }

  // Bootstrap settings of every paired comparison the report holds.
  MetricsOptions paired_options() const {
    MetricsOptions mo;
    mo.bootstrap_resamples = cfg_.run.eval_bootstrap;
    mo.seed = cfg_.run.seed;
    mo.threads = cfg_.run.threads;
    return mo;
  }

  // The student's own greedy latent queries on validation requests: their reward under the frozen RM, their
  // drift from the base reasoner's embeddings (1 - cosine), and a few examples.
  Json monitor(const std::string& reasoner_dir, const std::string& cache_dir) {
    auto valid = pick_requests(split("valid"), kMonitorRequests);
    auto rm = RewardModel::load(dir("qe-rec"), data_);
    const Pooling pooling = parse_pooling(rm->config().pooling);
    auto embed = [&](const std::string& rdir, const std::string& cdir) {
      auto r = Reasoner::load(rdir);
      LatentCache cache(cdir, r->hidden_size());
      std::vector<std::string> prompts;
      for (const auto& q : valid) prompts.push_back(render_prompt(q, data_.schema()));
      LatentQueryOptions o;
      o.max_new_tokens = cfg_.reasoner.latent_tokens;
      o.batch = cfg_.reasoner.batch;
      o.mean = pooling == Pooling::kMean;
      return r->embed(prompts, o, &cache);
    };
    LatentQueries mine = embed(reasoner_dir, cache_dir);
    LatentQueries base = embed(base_reasoner(), file("qe-rec", "latent-cache"));
    std::vector<int64_t> owner;
    for (size_t i = 0; i < valid.size(); ++i) owner.push_back(static_cast<int64_t>(i));
    auto rewards = rm->score(valid, owner, mine.pooled(pooling), parse_reward_kind(cfg_.reward_model.reward));
    double sum = 0;
    for (double r : rewards) sum += r;
    const double drift =
        (1 - torch::cosine_similarity(mine.pooled(pooling), base.pooled(pooling), 1)).mean().item<double>();
    Json examples = Json::array();
    for (size_t i = 0; i < std::min(kExamples, valid.size()); ++i)
      examples.push_back({{"request_id", valid[i].request_id}, {"latent_query", mine.texts[i]}});
    spdlog::info("monitor: mean reward of the student's greedy latent query {:.4f}, drift {:.4f}",
                 sum / static_cast<double>(std::max<size_t>(1, rewards.size())), drift);
    return {{"valid_reward", sum / static_cast<double>(std::max<size_t>(1, rewards.size()))},
            {"drift", drift},
            {"rewards", rewards},
            {"examples", examples}};
  }

  void report() {
    std::vector<ReportStage> stages;
    std::vector<GroupedScores> groups;
    const MetricsOptions mo = paired_options();
    Json curves = Json::object();
    for (const char* name : kAlignStages) {
      if (!done(name)) continue;
      ReportStage s;
      s.name = name;
      s.model = s.name == "baseline" ? cfg_.run.baseline : "qe-rec";
      s.metrics = read_json_file(file(name, "metrics_test.json"));
      groups.push_back(
          read_predictions(file(name, "test_predictions.jsonl"), BadInputPolicy::kStrict, nullptr));
      if (groups.size() > 1) {
        s.paired = paired_comparison(groups.front(), groups.back(), mo);
        s.paired_previous = paired_comparison(groups[groups.size() - 2], groups.back(), mo);
      }
      if (fs::exists(file(name, "step.json"))) {
        Json step = read_json_file(file(name, "step.json"));
        if (step.contains("monitor")) s.monitor = step["monitor"];
      }
      // Training curves where the step trained one thing: the RM's epochs, the student stages' steps.
      if (s.name != "baseline" && s.name != "rga-calibrated")
        curves[name] = read_metrics_lines(file(name, "metrics.jsonl"));
      stages.push_back(std::move(s));
    }
    Json extra = Json::object();
    extra["data"] = abs_path(opt_.data);
    extra["config"] = state_["config"];
    extra["seconds"] = state_["seconds"];
    extra["machine"] = state_.value("machine", Json::object());
    extra["reasoner"] = read_json_file(file("reasoner", "step.json"));
    extra["reward_model"] = {{"valid_gauc", read_json_file(file("qe-rec", "step.json"))["valid_gauc"]},
                             {"reward", cfg_.reward_model.reward}};
    extra["teachers"] = read_json_file(file("candidates", "step.json"));
    if (done("rga-calibrated")) {
      const Json cal = read_json_file(file("rga-calibrated", "step.json"));
      extra["calibration"] = cal["rounds"];
      if (cal.contains("kept")) extra["calibration_kept"] = cal["kept"];
      if (cal.contains("reward_model_valid_gauc"))
        extra["calibration_reward_model_valid_gauc"] = cal["reward_model_valid_gauc"];
      if (cal.contains("control")) extra["calibration_control"] = cal["control"];
    }
    extra["curves"] = curves;
    write_report(
        run_, "rgalign align", stages, extra, cfg_.run.baseline,
        align_markdown(stages, extra) + time_markdown(state_["done"], extra["seconds"], extra["machine"]));
    Json report = read_json_file((fs::path(run_) / "report.json").string());
    write_file_atomic((fs::path(run_) / "report.html").string(), report_html(report));
    std::fputs(report_markdown("rgalign align", stages, cfg_.run.baseline).c_str(), stdout);
  }

  // Monitoring tables for report.md: rewards, drift and teacher win rates.
  static std::string align_markdown(const std::vector<ReportStage>& stages, const Json& extra) {
    std::string md =
        "\n## Monitoring\n\nReward = the frozen reward model's probability of the clicked intent for the "
        "stage's own greedy latent query (validation requests); drift = 1 - cosine to the base reasoner's "
        "embedding.\n\n| stage | reward | drift | example latent query |\n|---|---|---|---|\n";
    for (const auto& s : stages) {
      if (!s.monitor.is_object()) continue;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.4f | %.4f", s.monitor["valid_reward"].get<double>(),
                    s.monitor["drift"].get<double>());
      std::string ex =
          s.monitor["examples"].empty() ? "" : s.monitor["examples"][0]["latent_query"].get<std::string>();
      for (char& c : ex)
        if (c == '|') c = '/';
      md += "| " + s.name + " | " + buf + " | " + ex + " |\n";
    }
    md += "\n## Teachers\n\n| teacher | candidates | win rate | mean reward |\n|---|---|---|---|\n";
    for (const auto& [name, t] : extra["teachers"]["teachers"].items()) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%lld | %.3f | %.4f",
                    static_cast<long long>(t["candidates"].get<int64_t>()), t["win_rate"].get<double>(),
                    t["mean_reward"].get<double>());
      md += "| " + name + " | " + buf + " |\n";
    }
    if (extra.contains("calibration_kept")) {
      md +=
          "\n## Calibration\n\nValidation GAUC of each candidate for the final ranker; the best is kept.\n\n"
          "| candidate | validation GAUC |\n|---|---|\n";
      char buf[96];
      std::snprintf(buf, sizeof buf, "%.4f", extra["calibration_reward_model_valid_gauc"].get<double>());
      md += std::string("| reward model (base reasoner) | ") + buf + " |\n";
      for (const auto& r : extra["calibration"]) {
        const int round = r["round"].get<int>();
        std::snprintf(buf, sizeof buf, "%.4f", r["valid_gauc"].get<double>());
        md += "| round " + std::to_string(round) +
              (round == 0 ? " (aligned reasoner, reward model as it is)" : " (fine-tuned)") + " | " + buf +
              " |\n";
      }
      md += "\nKept: " + extra["calibration_kept"].get<std::string>() + ".\n";
      if (extra.contains("calibration_control")) md += control_markdown(extra["calibration_control"]);
    }
    return md;
  }

  // Each completed step's wall time and the machine it ran on, in the order the steps ran (state.json's
  // "done", "seconds" and "machine"; the report step is recorded after the report).
  static std::string time_markdown(const Json& done, const Json& seconds, const Json& machine) {
    std::string md =
        "\n## Time\n\nWall time of each step, and the float32 GEMM rate of the machine it ran on (a time "
        "converts to another machine roughly by the ratio of the rates).\n\n"
        "| step | minutes | GEMM GFLOP/s | threads |\n|---|---|---|---|\n";
    double total = 0;
    std::string cpus;
    for (const auto& step : done) {
      const std::string s = step.get<std::string>();
      if (!seconds.contains(s)) continue;
      const double sec = seconds[s].get<double>();
      total += sec;
      char buf[128];
      if (machine.contains(s)) {
        const Json& m = machine[s];
        std::snprintf(buf, sizeof buf, "%.1f | %.0f | %d", sec / 60, m["gemm_gflops"].get<double>(),
                      m["threads"].get<int>());
        const std::string cpu = m["cpu"].get<std::string>();
        if (!cpu.empty() && cpus.find(cpu) == std::string::npos) cpus += (cpus.empty() ? "" : "; ") + cpu;
      } else {
        std::snprintf(buf, sizeof buf, "%.1f | - | -", sec / 60);  // a step recorded without its machine
      }
      md += "| " + s + " | " + buf + " |\n";
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "| total | %.1f | | |\n", total / 60);
    md += buf;
    if (!cpus.empty()) md += "\nCPU: " + cpus + ".\n";
    return md;
  }

  // The calibration control's lines in report.md: its validation GAUC and the final stage minus it.
  static std::string control_markdown(const Json& control) {
    const auto diff = [&](const char* metric) { return signed_diff(control["final_minus_control"][metric]); };
    char valid[32];
    std::snprintf(valid, sizeof valid, "%.4f", control["valid_gauc"].get<double>());
    return std::string(
               "\nControl (the reward model fine-tuned as a round is, on the base reasoner's own latent "
               "queries; not a candidate): validation GAUC ") +
           valid + ". Final stage minus the control on the test week: GAUC " + diff("gauc") + ", Recall@3 " +
           diff("recall@3") + " (what the alignment adds beyond the fine-tune).\n";
  }

  AlignOptions opt_;
  AlignConfig cfg_;
  Dataset data_;
  std::string run_;
  Json state_;
  std::vector<Request> distill_;
  DistGroup& dist_;
};

}  // namespace

Json run_align(const AlignOptions& opt, AlignConfig cfg) {
  validate_align_config(cfg, opt.config.empty() ? "align configuration" : opt.config);
  return Pipeline(opt, std::move(cfg)).run();
}

Json run_align(const AlignOptions& opt) {
  return run_align(opt, opt.config.empty() ? AlignConfig() : load_align_config(opt.config));
}

}  // namespace rgalign
