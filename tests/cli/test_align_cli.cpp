// `rgalign align` end to end on a tiny world: every stage in the report, and a run killed in the middle of a
// stage that resumes to exactly the metrics of an uninterrupted run.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/json_util.h"
#include "rgalign/llm/safetensors.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

namespace fs = std::filesystem;
using test::run_rgalign;

class AlignCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    auto sim = run_rgalign("simulate --out " + dir_->file("data") +
                           " --users 300 --weeks 3 --markets SG,VN --seed 3");
    ASSERT_EQ(sim.exit_code, 0) << sim.output;
    // Without world.json the directory is any dataset in the contract: no simulated teachers exist for it.
    fs::remove(dir_->file("data/world.json"));
    auto pre =
        run_rgalign("reasoner pretrain --data " + dir_->file("data") + " --out " + dir_->file("reasoner") +
                    " --vocab-size 1200 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1"
                    " --intermediate-size 64 --seq-len 64 --batch-size 4 --steps 40 --eval-every 20"
                    " --lr 0.01 --max-train-prompts 300 --max-valid-prompts 40 --threads 1 --seed 3");
    ASSERT_EQ(pre.exit_code, 0) << pre.output;
    test::write_text(dir_->file("tiny.yaml"),
                     "run: {threads: 1, baseline_epochs: 1, eval_bootstrap: 50}\n"
                     "reasoner: {dir: " +
                         dir_->file("reasoner") +
                         ", latent_tokens: 6, batch: 16}\n"
                         "reward_model: {epochs: 1}\n"
                         "teachers: {requests: 40, simulated_samples: 1, self_samples: 1, kb_candidates: 1}\n"
                         "sft: {epochs: 1, batch: 8}\n"
                         "dpo: {batch: 8, margin: 0.0}\n"
                         "rgcl: {batch: 8}\n"
                         "calibration: {rounds: 2, epochs: 1, control: true}\n");
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string align_args(const std::string& run) {
    return "align --data " + dir_->file("data") + " --config " + dir_->file("tiny.yaml") + " --out " + run;
  }
  static test::TempDir* dir_;
};
test::TempDir* AlignCli::dir_ = nullptr;

TEST_F(AlignCli, BadConfigIsNamedWithItsLine) {
  test::write_text(dir_->file("bad.yaml"), "run: {seed: 1}\nsft:\n  neftune: 5\n");
  auto r = run_rgalign("align --data " + dir_->file("data") + " --config " + dir_->file("bad.yaml") +
                       " --out " + dir_->file("bad-run"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("bad.yaml:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown key \"neftune\""), std::string::npos) << r.output;
}

// The suite's dataset rewritten as a log of shown lists: each request carries "candidates" (its clicked
// intents and up to 15 other intents of its market valid at its time) and "labels", in place of "clicked".
void write_shown_lists(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const char* f : {"schema.yaml", "intents.jsonl"}) fs::copy_file(from + "/" + f, to + "/" + f);
  std::vector<Json> intents;
  std::istringstream in(read_file(from + "/intents.jsonl"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) intents.push_back(Json::parse(line));
  for (const char* split : {"train", "valid", "test"}) {
    std::istringstream lines(read_file(from + "/" + split + ".jsonl"));
    std::string out;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      Json r = Json::parse(line);
      const auto clicked = r["clicked"].get<std::vector<std::string>>();
      std::vector<std::string> shown = clicked;
      for (const auto& it : intents) {
        const std::string id = it["intent_id"];
        if (shown.size() >= clicked.size() + 15) break;
        if (it["market"] == r["market"] && it.value("valid_from", int64_t{0}) <= r["ts"].get<int64_t>() &&
            std::find(clicked.begin(), clicked.end(), id) == clicked.end())
          shown.push_back(id);
      }
      std::vector<int> labels(shown.size(), 0);
      std::fill(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(clicked.size()), 1);
      std::rotate(shown.begin(), shown.begin() + 1, shown.end());  // the click is not always first
      std::rotate(labels.begin(), labels.begin() + 1, labels.end());
      r.erase("clicked");
      r["candidates"] = shown;
      r["labels"] = labels;
      out += r.dump() + "\n";
    }
    test::write_text(to + "/" + split + ".jsonl", out);
  }
}

TEST_F(AlignCli, ALogOfShownListsRunsEveryStageOnItsLists) {
  // The contract's other request form: every stage trains and scores on the lists that were shown.
  const std::string data = dir_->file("shown-data"), run = dir_->file("shown-run");
  write_shown_lists(dir_->file("data"), data);
  // The reasoner itself, given as a local checkpoint, is one more teacher: it has no chat format, so it
  // continues the plain prompt it was pretrained on.
  std::string config = read_file(dir_->file("tiny.yaml"));
  const std::string teachers = "teachers: {";
  config.insert(config.find(teachers) + teachers.size(), "checkpoints: [" + dir_->file("reasoner") + "], ");
  test::write_text(dir_->file("shown.yaml"), config);
  auto r = run_rgalign("align --data " + data + " --config " + dir_->file("shown.yaml") + " --out " + run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("teacher local:reasoner (" + dir_->file("reasoner") + "): 40 requests"),
            std::string::npos)
      << r.output;
  size_t test_pairs = 0, test_requests = 0;
  std::istringstream lines(read_file(data + "/test.jsonl"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) {
      test_pairs += Json::parse(line)["candidates"].size();
      ++test_requests;
    }
  const Json report = read_json_file(run + "/report.json");
  ASSERT_EQ(report["stages"].size(), 6u);
  EXPECT_TRUE(report["teachers"]["teachers"].contains("local:reasoner")) << report["teachers"].dump();
  for (const auto& s : report["stages"]) {
    EXPECT_EQ(s["metrics"]["n_impressions"].get<size_t>(), test_pairs) << s["name"];
    EXPECT_EQ(s["metrics"]["n_groups"].get<size_t>() + s["metrics"]["n_groups_skipped"].get<size_t>(),
              test_requests)
        << s["name"];
  }
  // A run that started before a key was added to the pipeline resumes when the key keeps its default; a
  // changed value is still another run.
  Json state = read_json_file(run + "/state.json");
  state["config"]["teachers"].erase("checkpoint_top_k");
  write_json_file(run + "/state.json", state);
  auto resumed = run_rgalign("align --data " + data + " --config " + dir_->file("shown.yaml") + " --out " + run +
                             " --resume");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  state["config"]["teachers"]["kb_candidates"] = 3;
  write_json_file(run + "/state.json", state);
  auto other = run_rgalign("align --data " + data + " --config " + dir_->file("shown.yaml") + " --out " + run +
                           " --resume");
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.output.find("the configuration differs from the one this run started with"), std::string::npos)
      << other.output;
  // The ranker's predictions are over each request's shown list, in its order.
  std::istringstream preds(read_file(run + "/qe-rec/test_predictions.jsonl"));
  std::istringstream tests(read_file(data + "/test.jsonl"));
  std::string p, t;
  ASSERT_TRUE(std::getline(preds, p) && std::getline(tests, t));
  EXPECT_EQ(Json::parse(p)["intent_ids"], Json::parse(t)["candidates"]);
}

TEST(AlignCliCheckpoint, AHuggingFaceCheckpointIsAlignedWithLoraAndSavedInItsLayout) {
  // A Qwen3 directory as transformers writes it (the engine's reference fixture: tied embeddings, its
  // byte-level BPE tokenizer and chat format) aligned with `reasoner.lora`: every stage runs, and each
  // aligned reasoner is the same checkpoint layout with the adapters merged into exactly the projections they
  // target.
  test::TempDir dir;
  const std::string base = dir.file("qwen3"), teacher = dir.file("qwen2");
  test::write_fixture_checkpoint("qwen3", base);
  test::write_fixture_checkpoint("qwen2", teacher);  // proposes candidates as a local teacher
  auto sim =
      run_rgalign("simulate --out " + dir.file("data") + " --users 80 --weeks 3 --markets SG --seed 3");
  ASSERT_EQ(sim.exit_code, 0) << sim.output;
  test::write_text(dir.file("hf.yaml"),
                   "run: {threads: 2, baseline_epochs: 1, eval_bootstrap: 20}\n"
                   "reasoner: {dir: " +
                       base +
                       ", latent_tokens: 4, batch: 16, lora: true, lora_rank: 4}\n"
                       "reward_model: {epochs: 1}\n"
                       "teachers: {requests: 16, simulated_samples: 1, self_samples: 1, kb_candidates: 1, "
                       "checkpoints: [" +
                       teacher +
                       "], checkpoint_samples: 2}\n"
                       "sft: {epochs: 1, batch: 8}\n"
                       "dpo: {batch: 8, margin: 0.0}\n"
                       "rgcl: {batch: 8}\n"
                       "calibration: {rounds: 1, epochs: 1}\n");
  const std::string run = dir.file("run");
  auto r =
      run_rgalign("align --data " + dir.file("data") + " --config " + dir.file("hf.yaml") + " --out " + run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Json report = read_json_file(run + "/report.json");
  ASSERT_EQ(report["stages"].size(), 6u);
  EXPECT_EQ(report["stages"].back()["name"], "rga-calibrated");
  // The local teacher's texts are candidates like any teacher's: named, scored, counted in the win rates.
  const Json& local = report["teachers"]["teachers"]["local:qwen2"];
  ASSERT_TRUE(local.is_object()) << report["teachers"].dump();
  EXPECT_GT(local["candidates"].get<int>(), 0);
  EXPECT_NE(read_file(run + "/candidates/candidates.jsonl").find("\"local:qwen2\""), std::string::npos);
  EXPECT_NE(r.output.find("teacher local:qwen2 (" + teacher + ", chat format): 16 requests"),
            std::string::npos)
      << r.output;

  const auto original = SafetensorsFile::open(base + "/model.safetensors");
  const Json base_config = read_json_file(base + "/config.json");
  const std::set<std::string> targeted = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                          "gate_proj", "up_proj", "down_proj"};
  for (const char* stage : {"rga-sft", "rga-dpo", "rga-cl"}) {
    const std::string aligned = run + "/" + stage + "/reasoner";
    const Json config = read_json_file(aligned + "/config.json");
    for (const auto& [key, value] : base_config.items())
      EXPECT_EQ(config.at(key), value) << stage << " " << key;
    EXPECT_EQ(read_file(aligned + "/tokenizer.json"), read_file(base + "/tokenizer.json")) << stage;
    const auto tuned = SafetensorsFile::open(aligned + "/model.safetensors");
    ASSERT_EQ(tuned->tensors().size(), original->tensors().size()) << stage;  // no lm_head: still tied
    int changed = 0;
    for (const auto& [name, view] : original->tensors()) {
      const TensorView* t = tuned->find(name);
      ASSERT_NE(t, nullptr) << stage << " " << name;
      ASSERT_EQ(t->nbytes, view.nbytes) << stage << " " << name;
      const bool same = std::memcmp(t->data, view.data, view.nbytes) == 0;
      const std::string module = name.substr(0, name.rfind('.'));
      const bool is_target = targeted.count(module.substr(module.rfind('.') + 1)) > 0;
      EXPECT_EQ(same, !is_target) << stage << " " << name;
      changed += !same;
    }
    EXPECT_EQ(changed, 3 * 7) << stage;  // 3 layers x 7 targeted projections
  }
}

bool finished(const std::string& run) {
  if (!fs::exists(run + "/state.json")) return false;
  for (const auto& s : read_json_file(run + "/state.json")["done"])
    if (s == "report") return true;
  return false;
}

TEST_F(AlignCli, KilledMidStageResumesToTheSameMetrics) {
  const std::string full = dir_->file("full"), killed = dir_->file("killed");
  auto a = run_rgalign(align_args(full));
  ASSERT_EQ(a.exit_code, 0) << a.output;
  Json ra = read_json_file(full + "/report.json");
  std::vector<std::string> names;
  for (const auto& s : ra["stages"]) names.push_back(s["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"baseline", "qe-rec", "rga-sft", "rga-dpo", "rga-cl",
                                             "rga-calibrated"}));
  for (const auto& s : ra["stages"]) {
    EXPECT_TRUE(s["metrics"]["ci95"]["gauc"].is_array()) << s["name"];
    if (s["name"] != "baseline") {
      EXPECT_TRUE(s["paired_vs_baseline"]["gauc"]["ci95"].is_array()) << s["name"];
      EXPECT_TRUE(s["paired_vs_previous"]["recall@3"]["ci95"].is_array()) << s["name"];
      EXPECT_TRUE(s["monitor"]["valid_reward"].is_number()) << s["name"];
    }
  }
  // Every timed step records the machine it ran on; report.md's Time table lists each with its minutes.
  const std::string md = read_file(full + "/report.md");
  ASSERT_NE(md.find("## Time"), std::string::npos);
  for (const char* step :
       {"baseline", "reasoner", "qe-rec", "candidates", "rga-sft", "rga-dpo", "rga-cl", "rga-calibrated"}) {
    ASSERT_TRUE(ra["machine"].contains(step)) << step;
    EXPECT_GT(ra["machine"][step]["gemm_gflops"].get<double>(), 0.0) << step;
    EXPECT_EQ(ra["machine"][step]["threads"], 1) << step;  // run.threads of the config
    EXPECT_NE(md.find(std::string("| ") + step + " | "), std::string::npos) << step;
  }
  EXPECT_EQ(ra["teachers"]["teachers"].size(), 2u);  // KB retrieval and the student itself
  EXPECT_TRUE(ra["teachers"]["teachers"].contains("kb-retrieval"));
  EXPECT_TRUE(ra["teachers"]["teachers"].contains("self"));
  for (const char* f :
       {"report.md", "report.html", "run.json", "candidates/candidates.jsonl",
        "rga-sft/reasoner/model.safetensors", "rga-calibrated/round-1/ranker/model.safetensors"})
    EXPECT_TRUE(fs::exists(full + "/" + f)) << f;
  // Calibration keeps a round only while validation GAUC improves on every round before it, round 0 (the
  // aligned reasoner with the reward model as it is) and the reward model with the base reasoner included.
  const Json cal = read_json_file(full + "/rga-calibrated/step.json");
  ASSERT_GE(cal["rounds"].size(), 2u);
  EXPECT_EQ(cal["rounds"][0]["round"], 0);
  std::string kept = "round-0";
  double best = cal["rounds"][0]["valid_gauc"].get<double>();
  const double rm_valid = cal["reward_model_valid_gauc"].get<double>();
  if (rm_valid > best) {
    best = rm_valid;
    kept = "reward-model";
  }
  for (size_t i = 1; i < cal["rounds"].size(); ++i) {
    const double v = cal["rounds"][i]["valid_gauc"].get<double>();
    if (v <= best) break;
    best = v;
    kept = "round-" + std::to_string(cal["rounds"][i]["round"].get<int>());
  }
  EXPECT_EQ(cal["kept"], kept);
  // The reward model's figure is its own validation GAUC, as `rgalign eval` scores it.
  auto rm_eval = run_rgalign("eval --run " + full + "/qe-rec --data " + dir_->file("data") +
                             " --split valid --bootstrap 0 --out " + dir_->file("rm-valid.json"));
  ASSERT_EQ(rm_eval.exit_code, 0) << rm_eval.output;
  EXPECT_NEAR(rm_valid, read_json_file(dir_->file("rm-valid.json"))["gauc"].get<double>(), 1e-9);
  EXPECT_EQ(ra["calibration_kept"], kept);
  const std::string ranker = cal["ranker"].get<std::string>();
  const std::string expected = kept == "reward-model" ? "/qe-rec" : kept + "/ranker";
  EXPECT_EQ(ranker.substr(ranker.size() - std::min(ranker.size(), expected.size())), expected) << ranker;
  EXPECT_NE(read_file(full + "/report.md").find("Kept: " + kept + "."), std::string::npos);
  // The control: the reward model fine-tuned as a round is, but on the base reasoner's latent queries.
  ASSERT_TRUE(cal.contains("control"));
  const Json& control = cal["control"];
  const std::string control_ranker = full + "/rga-calibrated/control/ranker";
  EXPECT_EQ(read_json_file(control_ranker + "/model_config.json")["reasoner_hash"],
            read_json_file(full + "/qe-rec/model_config.json")["reasoner_hash"]);
  EXPECT_TRUE(fs::exists(control_ranker + "/metrics.jsonl"));
  auto control_eval = run_rgalign("eval --run " + control_ranker + " --data " + dir_->file("data") +
                                  " --split valid --bootstrap 0 --out " + dir_->file("control-valid.json"));
  ASSERT_EQ(control_eval.exit_code, 0) << control_eval.output;
  EXPECT_NEAR(control["valid_gauc"].get<double>(),
              read_json_file(dir_->file("control-valid.json"))["gauc"].get<double>(), 1e-9);
  // Its difference is the final stage's test GAUC minus the control's, on the same requests.
  const double final_gauc = read_json_file(full + "/rga-calibrated/metrics_test.json")["gauc"].get<double>();
  EXPECT_NEAR(control["final_minus_control"]["gauc"]["diff"].get<double>(),
              final_gauc - control["test"]["gauc"].get<double>(), 1e-9);
  EXPECT_TRUE(control["final_minus_control"]["recall@3"]["ci95"].is_array());
  EXPECT_EQ(ra["calibration_control"], control);
  EXPECT_NE(read_file(full + "/report.md").find("Final stage minus the control on the test week: GAUC"),
            std::string::npos);

  // The same run, killed while RG-SFT trains, then resumed.
  FILE* p = ::popen((std::string(RGALIGN_BINARY) + " " + align_args(killed) + " > " +
                     dir_->file("killed.log") + " 2>&1 & echo $!")
                        .c_str(),
                    "r");
  ASSERT_NE(p, nullptr);
  int pid = 0;
  ASSERT_EQ(std::fscanf(p, "%d", &pid), 1);
  ::pclose(p);
  const auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(killed + "/rga-sft/metrics.jsonl") &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(300))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  while (fs::exists("/proc/" + std::to_string(pid)))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_FALSE(finished(killed)) << "the run ended before it could be killed";

  auto again = run_rgalign(align_args(killed));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;
  auto b = run_rgalign(align_args(killed) + " --resume");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(b.output.find("qe-rec already complete"), std::string::npos) << b.output;
  Json rb = read_json_file(killed + "/report.json");
  ASSERT_EQ(rb["stages"].size(), ra["stages"].size());
  for (size_t i = 0; i < ra["stages"].size(); ++i) {
    EXPECT_EQ(rb["stages"][i]["metrics"].dump(), ra["stages"][i]["metrics"].dump())
        << ra["stages"][i]["name"];
    if (ra["stages"][i].contains("monitor"))
      EXPECT_EQ(rb["stages"][i]["monitor"].dump(), ra["stages"][i]["monitor"].dump())
          << ra["stages"][i]["name"];
  }
  EXPECT_EQ(rb["calibration_control"].dump(), ra["calibration_control"].dump());
}

}  // namespace
}  // namespace rgalign
