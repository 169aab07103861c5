// Data-parallel training, exact distributed evaluation, sharded embedding and failure handling over
// c10d/Gloo, with two local processes on loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "rgalign/common/json_util.h"
#include "rgalign/llm/safetensors.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

namespace fs = std::filesystem;
using test::run_rgalign;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Starts `rgalign args` in the background with extra environment, output to `log`.
pid_t spawn_rgalign(const std::string& env, const std::string& args, const std::string& log) {
  const std::string cmd = "exec env " + env + " " + RGALIGN_BINARY + " " + args + " > " + log + " 2>&1";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// The exit status of `pid`, or -1 if it is still running after `timeout`.
int wait_for(pid_t pid, std::chrono::seconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

// Largest absolute difference between same-named float32 tensors of two checkpoints (which must hold the same
// names and shapes).
double max_param_diff(const std::string& a, const std::string& b) {
  auto fa = SafetensorsFile::open(a), fb = SafetensorsFile::open(b);
  EXPECT_EQ(fa->tensors().size(), fb->tensors().size());
  double worst = 0;
  for (const auto& [name, ta] : fa->tensors()) {
    const TensorView& tb = fb->at(name);
    EXPECT_EQ(ta.shape, tb.shape) << name;
    const auto* pa = reinterpret_cast<const float*>(ta.data);
    const auto* pb = reinterpret_cast<const float*>(tb.data);
    for (int64_t i = 0; i < ta.numel(); ++i)
      worst = std::max(worst, std::fabs(double(pa[i]) - double(pb[i])));
  }
  return worst;
}

class DistCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    auto sim = run_rgalign("simulate --out " + dir_->file("data") +
                           " --users 800 --weeks 3 --markets SG,VN --seed 3");
    ASSERT_EQ(sim.exit_code, 0) << sim.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string data() { return dir_->file("data"); }
  static test::TempDir* dir_;
};
test::TempDir* DistCli::dir_ = nullptr;

TEST_F(DistCli, TwoRanksTrainTheSameParametersAsOneProcess) {
  // One epoch, the same global batch and seed. With bce for the two-tower model: under listnet the output
  // bias's exact gradient is zero (softmax is shift-invariant), so Adam turns rounding noise into
  // learning-rate-sized steps there and two correct implementations (or one at two thread counts) differ by
  // ~lr on that weight. Sampled candidates are drawn per global row, so two ranks train on the same samples.
  for (const std::string model_flags : {"--model two-tower --loss bce", "--model dnn --loss listnet",
                                        "--model dnn --loss listnet --train-candidates 3"}) {
    const std::string common =
        "train --data " + data() + " " + model_flags + " --epochs 1 --batch-size 64 --threads 1 --seed 5";
    const std::string one = dir_->file("one"), two = dir_->file("two");
    fs::remove_all(one);
    fs::remove_all(two);
    auto a = run_rgalign(common + " --out " + one);
    ASSERT_EQ(a.exit_code, 0) << a.output;
    auto b = run_rgalign("launch --nproc 2 -- rgalign " + common + " --out " + two);
    ASSERT_EQ(b.exit_code, 0) << b.output;
    EXPECT_NE(b.output.find("distributed: rank 0 of 2 joined"), std::string::npos) << b.output;
    // The encoder fitted from merged shard statistics is the single-process one exactly.
    EXPECT_EQ(read_json_file(one + "/encoder.json"), read_json_file(two + "/encoder.json")) << model_flags;
    EXPECT_LE(max_param_diff(one + "/model.safetensors", two + "/model.safetensors"), 1e-5) << model_flags;
    EXPECT_EQ(read_json_file(two + "/run.json")["config"]["world_size"], 2) << read_file(two + "/run.json");
  }
}

TEST_F(DistCli, DistributedEvaluationEqualsOneProcessExactly) {
  const std::string run = dir_->file("eval-run"), base = dir_->file("eval-base");
  ASSERT_EQ(
      run_rgalign("train --data " + data() + " --model dnn --epochs 1 --threads 1 --out " + run).exit_code,
      0);
  ASSERT_EQ(run_rgalign("train --data " + data() + " --model popularity --out " + base).exit_code, 0);
  const std::string args = "eval --run " + run + " --data " + data() + " --baseline " + base +
                           " --bootstrap 200 --threads 1 --split train --out ";
  auto a = run_rgalign(args + dir_->file("one.json"));
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b = run_rgalign("launch --nproc 2 -- rgalign " + args + dir_->file("two.json"));
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const Json one = read_json_file(dir_->file("one.json")), two = read_json_file(dir_->file("two.json"));
  // Every key: GAUC, AUC, logloss, recall, intervals, segments, the paired comparison. The train split has
  // more than one 512-line block, so both ranks scored part of it.
  EXPECT_GT(one["n_groups"].get<int64_t>() + one["n_groups_skipped"].get<int64_t>(), 1024);
  EXPECT_EQ(one, two);
}

TEST_F(DistCli, ARankThatDiesEndsTheOtherWithAnError) {
  const std::string run = dir_->file("dies");
  const std::string env = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) +
                          " RGALIGN_DIST_TIMEOUT_S=600";
  const std::string args =
      "train --data " + data() + " --model dnn --epochs 500 --patience 500 --threads 1 --out " + run;
  const pid_t r0 = spawn_rgalign(env + " RANK=0", args, dir_->file("rank0.log"));
  const pid_t r1 = spawn_rgalign(env + " RANK=1", args, dir_->file("rank1.log"));
  // Wait until training runs (an epoch logged by rank 0), then kill rank 1 outright.
  const auto start = std::chrono::steady_clock::now();
  while (read_file(dir_->file("rank0.log")).find("epoch 1/500 |") == std::string::npos &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_NE(read_file(dir_->file("rank0.log")).find("epoch 1/500 |"), std::string::npos)
      << read_file(dir_->file("rank0.log")) << read_file(dir_->file("rank1.log"));
  ::kill(r1, SIGKILL);
  EXPECT_EQ(wait_for(r1, std::chrono::seconds(10)), 128 + SIGKILL);
  // Rank 0 must not wait for the 600 s collective timeout: the broken connection ends it.
  const int code = wait_for(r0, std::chrono::seconds(60));
  if (code == -1) ::kill(r0, SIGKILL);
  EXPECT_NE(code, -1) << "rank 0 still running 60 s after rank 1 died";
  EXPECT_NE(code, 0);
  const std::string log = read_file(dir_->file("rank0.log"));
  EXPECT_NE(log.find("distributed: "), std::string::npos) << log;
  EXPECT_NE(log.find("failed on rank 0 of 2"), std::string::npos) << log;
}

TEST_F(DistCli, LaunchStopsTheOtherWorkersWhenOneFails) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r =
      // The survivor's child (sleep) is stopped too: it holds the output pipe this test reads to its end.
      run_rgalign(
          "launch --nproc 2 --grace 2 -- sh -c 'if [ \"$RANK\" = 1 ]; then exit 3; fi; sleep 60; true'");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_LT(s, 30.0) << "the surviving worker was not stopped";
  EXPECT_NE(r.output.find("rank 1 failed (exit status 3); stopping the other workers"), std::string::npos)
      << r.output;
}

TEST_F(DistCli, LaunchSetsTheTorchrunEnvironment) {
  auto r = run_rgalign(
      "launch --nproc 2 --master-port 29555 -- sh -c "
      "'echo env $RANK/$WORLD_SIZE/$LOCAL_RANK/$LOCAL_WORLD_SIZE/$MASTER_ADDR:$MASTER_PORT'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("env 0/2/0/2/127.0.0.1:29555"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("env 1/2/1/2/127.0.0.1:29555"), std::string::npos) << r.output;
}

TEST_F(DistCli, CommandsThatAreNotDataParallelAreRefusedAsRanks) {
  auto r = run_rgalign("launch --nproc 2 -- rgalign simulate --out " + dir_->file("never") + " --users 10");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("rgalign simulate runs as a single process, not as one of 2 ranks"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir_->file("never")));
}

// A tiny built-in reasoner for the tests that need one.
std::string pretrain_reasoner(const std::string& data, const std::string& out) {
  auto pre = run_rgalign("reasoner pretrain --data " + data + " --out " + out +
                         " --vocab-size 1200 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1"
                         " --intermediate-size 64 --seq-len 64 --batch-size 4 --steps 20 --eval-every 10"
                         " --lr 0.01 --max-train-prompts 200 --max-valid-prompts 20 --threads 1 --seed 3");
  EXPECT_EQ(pre.exit_code, 0) << pre.output;
  return out;
}

TEST_F(DistCli, AlignRunsDataParallelWithTheSingleProcessSteps) {
  const std::string reasoner = pretrain_reasoner(data(), dir_->file("reasoner"));
  // NEFTune off: its noise is random per rank, so only without it are the two runs' steps comparable.
  test::write_text(dir_->file("tiny.yaml"),
                   "run: {threads: 1, baseline_epochs: 1, eval_bootstrap: 50}\n"
                   "reasoner: {dir: " +
                       reasoner +
                       ", latent_tokens: 6, batch: 16}\n"
                       "reward_model: {epochs: 1}\n"
                       "teachers: {requests: 40, simulated_samples: 1, self_samples: 1, kb_candidates: 1}\n"
                       "sft: {epochs: 1, batch: 8, neftune_alpha: 0}\n"
                       "dpo: {batch: 8, margin: 0.0}\n"
                       "rgcl: {batch: 8}\n"
                       "calibration: {rounds: 1, epochs: 1}\n");
  const std::string args = "align --data " + data() + " --config " + dir_->file("tiny.yaml") + " --out ";
  const std::string one = dir_->file("align-1"), two = dir_->file("align-2"), full = dir_->file("align-3");
  auto a = run_rgalign(args + one);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  // The whole pipeline over two ranks.
  auto b = run_rgalign("launch --nproc 2 -- rgalign " + args + full);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  // The student stages over two ranks from the single-process run's reward model and candidates: training a
  // ranker amplifies the rounding differences of any two summation orders (QE-Rec on this world: up to
  // ~1e-2 on some weights after one epoch, one thread against two in one process), and best-of-N targets
  // and DPO's zero-margin pairs flip on near-ties of two such reward models' rewards.
  fs::copy(one, two, fs::copy_options::recursive);
  for (const char* step : {"rga-sft", "rga-dpo", "rga-cl", "rga-calibrated", "report"})
    fs::remove_all(two + "/" + step);
  Json state = read_json_file(two + "/state.json");
  state["done"] = Json::array({"baseline", "reasoner", "qe-rec", "candidates"});
  write_json_file(two + "/state.json", state);
  auto c = run_rgalign("launch --nproc 2 -- rgalign " + args + two + " --resume");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  std::vector<std::string> names;
  const Json report = read_json_file(full + "/report.json");
  for (const auto& st : report["stages"]) names.push_back(st["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"baseline", "qe-rec", "rga-sft", "rga-dpo", "rga-cl",
                                             "rga-calibrated"}));
  // RG-SFT over two ranks takes the single-process steps: the same student afterwards.
  EXPECT_LE(max_param_diff(one + "/rga-sft/reasoner/model.safetensors",
                           two + "/rga-sft/reasoner/model.safetensors"),
            1e-5);
  // DPO from there: the same global-batch losses, logged by rank 0 from both ranks' shares.
  std::istringstream l1(read_file(one + "/rga-dpo/metrics.jsonl")),
      l2(read_file(two + "/rga-dpo/metrics.jsonl"));
  std::string x, y;
  int lines = 0;
  while (std::getline(l1, x) && std::getline(l2, y)) {
    const Json jx = parse_json(x, "one"), jy = parse_json(y, "two");
    EXPECT_NEAR(jx["loss"].get<double>(), jy["loss"].get<double>(), 1e-5) << x << "\n" << y;
    EXPECT_EQ(jy["world_size"], 2);
    ++lines;
  }
  EXPECT_GT(lines, 0);
}

TEST_F(DistCli, ShardedEmbeddingMergesIntoOneCache) {
  const std::string reasoner = pretrain_reasoner(data(), dir_->file("reasoner"));
  const std::string embed = "reasoner embed --data " + data() + " --reasoner " + reasoner +
                            " --splits valid,test --threads 1 --cache " + dir_->file("cache");
  auto a = run_rgalign("launch --nproc 2 -- rgalign " + embed);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(a.output.find(" 0 cached"), std::string::npos) << a.output;
  // Everything both ranks computed is in the one cache: a single process now computes nothing.
  auto b = run_rgalign(embed);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(b.output.find(" 0 computed"), std::string::npos) << b.output;
  // And only rank 0 wrote it: one index, shards named by one writer.
  EXPECT_TRUE(fs::exists(dir_->file("cache/index.json")));
}

}  // namespace
}  // namespace rgalign
