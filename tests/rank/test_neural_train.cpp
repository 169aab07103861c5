// Training end to end on a tiny world: determinism (same seed, same metrics and bytes), run files, and scores
// of the reloaded model equal to the trained one's.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <numeric>
#include <sstream>

#include "rgalign/align/reward.h"
#include "rgalign/common/atomic_file.h"
#include "rgalign/common/hash.h"
#include "rgalign/common/json_util.h"
#include "rgalign/data/dataset.h"
#include "rgalign/data/requests.h"
#include "rgalign/eval/eval_run.h"
#include "rgalign/llm/safetensors_torch.h"
#include "rgalign/rank/qe_rec_ranker.h"
#include "rgalign/rank/train_run.h"
#include "support/test_support.h"
#include "support/tiny_reasoner.h"

namespace rgalign {
namespace {

class NeuralTrain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    test::write_small_world(dir_->file("data"), 300, 9);
    run_reasoner_pretrain(test::tiny_reasoner_options(dir_->file("data"), dir_->file("reasoner")));
  }
  static void TearDownTestSuite() { delete dir_; }

  TrainOptions options(const std::string& model, const std::string& out) {
    TrainOptions o;
    o.data = dir_->file("data");
    o.model = model;
    o.out = dir_->file(out);
    o.epochs = 2;
    o.batch_size = 64;
    o.embed_dim = 4;
    o.tower_dim = 8;
    o.hidden_dim = 16;
    o.attn_heads = 1;
    o.experts = 2;
    o.threads = 1;
    o.seed = 5;
    return o;
  }
  static test::TempDir* dir_;
};
test::TempDir* NeuralTrain::dir_ = nullptr;

std::vector<double> valid_gaucs(const std::string& run) {
  std::vector<double> out;
  std::istringstream in(read_file(run + "/metrics.jsonl"));
  std::string line;
  while (std::getline(in, line)) out.push_back(parse_json(line, "m")["valid_gauc"].get<double>());
  return out;
}

TEST_F(NeuralTrain, SameSeedSameMetricsAndBytes) {
  for (const char* model : {"two-tower", "dnn", "text-bow"}) {
    run_training(options(model, std::string(model) + "-a"));
    run_training(options(model, std::string(model) + "-b"));
    const std::string a = dir_->file(std::string(model) + "-a"), b = dir_->file(std::string(model) + "-b");
    const std::vector<double> curve = valid_gaucs(a);
    EXPECT_EQ(curve, valid_gaucs(b)) << model;
    EXPECT_EQ(curve.size(), 2u);
    EXPECT_EQ(sha256_file(a + "/model.safetensors"), sha256_file(b + "/model.safetensors")) << model;
    for (const char* f : {"run.json", "encoder.json", "model_config.json", "metrics.jsonl"})
      EXPECT_TRUE(std::filesystem::exists(a + "/" + f)) << f;
    Json run = read_json_file(a + "/run.json");
    EXPECT_EQ(run["config"]["result"]["best_valid_gauc"].get<double>(),
              *std::max_element(curve.begin(), curve.end()));
  }
}

// The saved run, loaded and evaluated on the validation split, reproduces the best validation GAUC of
// training: the reloaded model scores as the trained one did.
void expect_reload_reproduces_best_validation(const TrainOptions& o) {
  EvalOptions e;
  e.run = o.out;
  e.data = o.data;
  e.split = "valid";
  e.out = o.out + "/valid.json";
  e.bootstrap = 0;
  e.threads = o.threads;  // scores are reproducible per thread count: its split of the work moves last bits
  Json m = run_eval(e);
  Json run = read_json_file(o.out + "/run.json");
  EXPECT_NEAR(m["gauc"].get<double>(), run["config"]["result"]["best_valid_gauc"].get<double>(), 1e-6);
}

TEST_F(NeuralTrain, EvalOfTheSavedRunMatchesItsBestValidation) {
  TrainOptions o = options("two-tower", "tt-eval");
  run_training(o);
  expect_reload_reproduces_best_validation(o);
}

TEST_F(NeuralTrain, QeRecTrainsDeterministicallyAndItsReloadedRunScoresTheSame) {
  // Trained twice with one seed: the same curve and bytes. The reloaded run (reasoner + latent cache + model)
  // reproduces the best validation GAUC exactly, so saved scores equal the trained model's.
  TrainOptions o = options("qe-rec", "qe-a");
  o.reasoner = dir_->file("reasoner");
  run_training(o);
  TrainOptions again = o;
  again.out = dir_->file("qe-b");
  again.cache = dir_->file("qe-b-cache");  // recomputed, not read from the first run's cache
  run_training(again);
  EXPECT_EQ(valid_gaucs(o.out), valid_gaucs(again.out));
  EXPECT_EQ(sha256_file(o.out + "/model.safetensors"), sha256_file(again.out + "/model.safetensors"));
  expect_reload_reproduces_best_validation(o);
  // Sampled candidates: deterministic too, and not the full-softmax run.
  TrainOptions sampled = o;
  sampled.out = dir_->file("qe-s-a");
  sampled.train_candidates = 4;
  run_training(sampled);
  TrainOptions sampled_again = sampled;
  sampled_again.out = dir_->file("qe-s-b");
  run_training(sampled_again);
  EXPECT_EQ(sha256_file(sampled.out + "/model.safetensors"),
            sha256_file(sampled_again.out + "/model.safetensors"));
  EXPECT_NE(sha256_file(sampled.out + "/model.safetensors"), sha256_file(o.out + "/model.safetensors"));
  expect_reload_reproduces_best_validation(sampled);
}

// RG-CL's reward term: the frozen reward model's ranking loss with an embedding in its query tower is minus
// the log of the listwise reward that scoring gives the same embedding (one click per request), and its
// gradient reaches the embedding alone: a short step against it raises the reward of every row it reaches.
TEST_F(NeuralTrain, RewardModelRankingLossIsMinusTheLogOfTheListwiseReward) {
  TrainOptions o = options("qe-rec", "qe-rm");
  o.reasoner = dir_->file("reasoner");
  o.epochs = 1;
  run_training(o);
  const Dataset data = Dataset::open(o.data);
  auto rm = RewardModel::load(o.out, data);
  std::vector<Request> requests;
  for (const Request& r : read_requests(data.split_path("valid"), data.schema(), data.catalog(),
                                        BadInputPolicy::kStrict, nullptr, {})) {
    int clicks = 0;
    for (float y : r.labels) clicks += y > 0 ? 1 : 0;
    if (clicks == 1 && requests.size() < 12) requests.push_back(r);
  }
  ASSERT_EQ(requests.size(), 12u);
  const auto B = static_cast<int64_t>(requests.size());
  std::vector<int64_t> rows(static_cast<size_t>(B));
  std::iota(rows.begin(), rows.end(), 0);
  torch::manual_seed(3);
  auto query = torch::randn({B, rm->config().query_dim}).requires_grad_(true);  // [B, E]
  const auto rewards = rm->score(requests, rows, query.detach(), RewardKind::kListwise);
  double expected = 0;
  for (double r : rewards) expected -= std::log(r) / static_cast<double>(B);
  auto loss = rm->ranking_loss(rm->encode(requests), rows, query);
  EXPECT_NEAR(loss.item<double>(), expected, 1e-5 * std::abs(expected));
  loss.backward();
  ASSERT_TRUE(query.grad().defined());
  EXPECT_GT(query.grad().abs().sum().item<double>(), 0);
  for (const auto& p : rm->ranker().parameters()) EXPECT_FALSE(p.grad().defined());
  // Each row's loss depends on its own embedding only, so a short step along each row's own gradient raises
  // the reward of every row the gradient reaches (one whose query-tower units are all off gets none).
  const auto grad = query.grad();                               // [B, E]
  const auto norm = grad.norm(2, /*dim=*/1, /*keepdim=*/true);  // [B, 1]
  const auto step = -0.1 * grad / norm.clamp_min(1e-30);        // [B, E], length 0.1 where reached
  const auto stepped = rm->score(requests, rows, (query + step).detach(), RewardKind::kListwise);
  int moved = 0;
  for (size_t i = 0; i < rewards.size(); ++i) {
    if (norm[static_cast<int64_t>(i)].item<double>() == 0) {
      EXPECT_EQ(stepped[i], rewards[i]) << i;
      continue;
    }
    EXPECT_GT(stepped[i], rewards[i]) << i;
    ++moved;
  }
  EXPECT_GE(moved, 6);
}

TEST_F(NeuralTrain, QeRecAblationsTrain) {
  for (const char* flag : {"no-query-tower", "no-intent-text", "mean"}) {
    TrainOptions o = options("qe-rec", std::string("qe-") + flag);
    o.reasoner = dir_->file("reasoner");
    o.epochs = 1;
    o.no_query_tower = std::string(flag) == "no-query-tower";
    o.no_intent_text = std::string(flag) == "no-intent-text";
    if (std::string(flag) == "mean") o.pooling = "mean";
    run_training(o);
    Json cfg = read_json_file(o.out + "/model_config.json");
    EXPECT_EQ(cfg["query_dim"].get<int>() == 0, o.no_query_tower) << flag;
    EXPECT_EQ(cfg["intent_text_dim"].get<int>() == 0, o.no_intent_text) << flag;
    EXPECT_EQ(cfg["pooling"], o.pooling) << flag;
  }
}

TEST_F(NeuralTrain, QeRecRefusesAChangedReasoner) {
  namespace fs = std::filesystem;
  const std::string reasoner = dir_->file("reasoner-for-change");
  fs::copy(dir_->file("reasoner"), reasoner, fs::copy_options::recursive);
  TrainOptions o = options("qe-rec", "qe-change");
  o.reasoner = reasoner;
  o.epochs = 1;
  run_training(o);
  write_file_atomic(reasoner + "/config.json",
                    read_file(reasoner + "/config.json") + "\n");  // any byte of the checkpoint counts
  EvalOptions e;
  e.run = o.out;
  e.data = o.data;
  e.out = dir_->file("qe-change/test.json");
  e.bootstrap = 0;
  EXPECT_EQ(test::error_of([&] { run_eval(e); }),
            fs::absolute(reasoner).string() +
                ": the reasoner checkpoint changed since the ranker was trained (retrain the ranker on this "
                "reasoner's latent queries)");
  o.reasoner = "";
  EXPECT_EQ(
      test::error_of([&] { run_training(o); }),
      "--reasoner: qe-rec needs a reasoner checkpoint directory (pretrain the built-in one with `rgalign "
      "reasoner pretrain --data DIR --out DIR`)");
}

torch::Tensor intent_text_of(const std::string& run) {
  auto f = SafetensorsFile::open(run + "/model.safetensors");
  return to_torch(f->at("intent_text_emb"));
}

TEST_F(NeuralTrain, QeRecFineTuneWithAnotherReasonerCanKeepTheIntentTextsItWasTrainedOn) {
  // Fine-tuning on another reasoner's latent queries (closed-loop calibration): by default the intent texts
  // are embedded again by the new reasoner; with keep_intent_text the intent tower keeps reading the
  // embeddings it was trained on, so at a negligible learning rate the fine-tuned run scores validation as
  // its init did.
  TrainOptions init = options("qe-rec", "qe-init");
  init.reasoner = dir_->file("reasoner");
  init.epochs = 1;
  run_training(init);
  ReasonerPretrainOptions other =
      test::tiny_reasoner_options(dir_->file("data"), dir_->file("reasoner-other"));
  other.seed = 11;
  run_reasoner_pretrain(other);

  TrainOptions tune = options("qe-rec", "qe-tune-keep");
  tune.reasoner = other.out;
  tune.init = init.out;
  tune.keep_intent_text = true;
  tune.epochs = 1;
  tune.lr = 1e-12;
  run_training(tune);
  const torch::Tensor kept = intent_text_of(init.out);
  EXPECT_TRUE(torch::equal(intent_text_of(tune.out), kept));

  TrainOptions again = tune;
  again.out = dir_->file("qe-tune-again");
  again.keep_intent_text = false;
  run_training(again);
  EXPECT_GT((intent_text_of(again.out) - kept).abs().max().item<float>(), 1e-3);

  TrainOptions bad = options("qe-rec", "qe-keep-bad");
  bad.reasoner = dir_->file("reasoner");
  bad.keep_intent_text = true;
  EXPECT_EQ(test::error_of([&] { run_training(bad); }),
            "--keep-intent-text: needs --init and a qe-rec model with its intent text");
}

// Given latent-query texts (`--latent-texts`): every training request needs one; validation reads the file
// when it has a text for each validation request (the steps stay the same, validation's scores change) and
// refuses a file that covers only part of validation.
TEST_F(NeuralTrain, GivenLatentTextsCoverTrainingAndAllOrNoneOfValidation) {
  const Dataset data = Dataset::open(dir_->file("data"));
  auto requests = [&](const std::string& split) {
    return read_requests(data.split_path(split), data.schema(), data.catalog(), BadInputPolicy::kStrict,
                         nullptr, {});
  };
  const std::vector<Request> train = requests("train"), valid = requests("valid");
  ASSERT_GT(valid.size(), 1u);
  auto write_texts = [&](const std::string& name, size_t n_train, size_t n_valid) {
    const std::string path = dir_->file(name);
    std::string lines;
    for (size_t i = 0; i < n_train; ++i)
      lines += Json{{"request_id", train[i].request_id},
                    {"text", i % 2 ? "The user probably wants to: track the parcel." : "Refund status."}}
                   .dump() +
               "\n";
    for (size_t i = 0; i < n_valid; ++i)
      lines +=
          Json{{"request_id", valid[i].request_id}, {"text", "Cancel my order before it ships."}}.dump() +
          "\n";
    write_file_atomic(path, lines);
    return path;
  };
  TrainOptions o = options("qe-rec", "qe-texts-train");
  o.reasoner = dir_->file("reasoner");
  o.epochs = 1;
  o.latent_texts = write_texts("texts-train.jsonl", train.size(), 0);
  run_training(o);
  TrainOptions both = o;
  both.out = dir_->file("qe-texts-both");
  both.latent_texts = write_texts("texts-both.jsonl", train.size(), valid.size());
  run_training(both);
  auto first_epoch = [](const std::string& run) {
    std::istringstream in(read_file(run + "/metrics.jsonl"));
    std::string line;
    std::getline(in, line);
    return parse_json(line, run);
  };
  const Json a = first_epoch(o.out), b = first_epoch(both.out);
  EXPECT_EQ(a["train_loss"].get<double>(), b["train_loss"].get<double>());
  EXPECT_NE(a["valid_gauc"].get<double>(), b["valid_gauc"].get<double>());
  EXPECT_EQ(sha256_file(o.out + "/model.safetensors"), sha256_file(both.out + "/model.safetensors"));

  TrainOptions part = o;
  part.out = dir_->file("qe-texts-part");
  part.latent_texts = write_texts("texts-part.jsonl", train.size(), valid.size() - 1);
  EXPECT_EQ(test::error_of([&] { run_training(part); }),
            part.latent_texts + ": no latent-query text for valid request " + valid.back().request_id +
                " (give texts for every validation request or for none)");
  TrainOptions short_train = o;
  short_train.out = dir_->file("qe-texts-short");
  short_train.latent_texts = write_texts("texts-short.jsonl", train.size() - 1, valid.size());
  EXPECT_EQ(test::error_of([&] { run_training(short_train); }),
            short_train.latent_texts + ": no latent-query text for train request " + train.back().request_id);
}

TEST_F(NeuralTrain, BadOptionsAreNamed) {
  TrainOptions o = options("two-tower", "bad");
  o.schedule = "step";
  EXPECT_EQ(test::error_of([&] { run_training(o); }), "--schedule: must be cosine or linear");
  o = options("two-tower", "bad");
  o.kl_weight = 0.5;
  EXPECT_EQ(test::error_of([&] { run_training(o); }), "--kl-weight: needs --reference RUN");
  o = options("two-tower", "bad");
  o.train_candidates = 4;
  o.loss = "bce";
  EXPECT_EQ(test::error_of([&] { run_training(o); }),
            "--train-candidates: sampled candidates need --loss listnet");

  o = options("two-tower", "bad");
  o.tie_text_projection = true;
  EXPECT_EQ(test::error_of([&] { run_training(o); }),
            "--tie-text-projection: needs a qe-rec model with its query tower and intent text");
}

// Sampled candidates: the same seed gives the same run; the steps differ from training on every candidate;
// validation still ranks every candidate (its GAUC is the reloaded model's on the whole split); the KL term
// reads the reference's logits of the sampled columns.
TEST_F(NeuralTrain, SampledCandidatesTrainDeterministically) {
  TrainOptions pop = options("popularity", "pop-s");
  run_training(pop);
  TrainOptions o = options("two-tower", "tt-s-a");
  o.train_candidates = 3;
  o.reference = pop.out;
  o.kl_weight = 0.5;
  run_training(o);
  TrainOptions again = o;
  again.out = dir_->file("tt-s-b");
  run_training(again);
  EXPECT_EQ(valid_gaucs(o.out), valid_gaucs(again.out));
  EXPECT_EQ(sha256_file(o.out + "/model.safetensors"), sha256_file(again.out + "/model.safetensors"));
  TrainOptions full = o;
  full.out = dir_->file("tt-s-full");
  full.train_candidates = 0;
  run_training(full);
  EXPECT_NE(sha256_file(o.out + "/model.safetensors"), sha256_file(full.out + "/model.safetensors"));
  expect_reload_reproduces_best_validation(o);
}

TEST_F(NeuralTrain, KlTermTowardsAReferenceRun) {
  TrainOptions pop = options("popularity", "pop");
  run_training(pop);
  TrainOptions o = options("dnn", "dnn-kl");
  o.reference = pop.out;
  o.kl_weight = 0.5;
  o.epochs = 1;
  run_training(o);
  EXPECT_EQ(valid_gaucs(o.out).size(), 1u);
}

}  // namespace
}  // namespace rgalign
