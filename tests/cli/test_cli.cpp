// The rgalign command end to end: help, simulate -> train -> eval -> metrics, and bad input at the CLI.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rgalign/common/json_util.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

using test::run_rgalign;

TEST(Cli, HelpForEverySubcommandShowsDefaults) {
  auto top = run_rgalign("--help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* sub : {"simulate", "train", "eval", "metrics", "demo", "reasoner", "embed", "align"}) {
    EXPECT_NE(top.output.find(sub), std::string::npos) << sub;
    auto r = run_rgalign(std::string(sub) + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.output.find("--"), std::string::npos) << sub;
  }
  EXPECT_NE(run_rgalign("simulate --help").output.find("--users INT=20000"), std::string::npos);
  EXPECT_NE(run_rgalign("eval --help").output.find("--bootstrap INT=1000"), std::string::npos);
  EXPECT_NE(run_rgalign("reasoner pretrain --help").output.find("--steps INT=500"), std::string::npos);
  EXPECT_NE(run_rgalign("reasoner embed --help").output.find("--latent-tokens INT=0"), std::string::npos);
}

TEST(Cli, MissingRequiredFlagFails) {
  auto r = run_rgalign("simulate");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--out is required"), std::string::npos) << r.output;
}

TEST(Cli, SimulateTrainEvalMetrics) {
  test::TempDir dir;
  const std::string data = dir.file("data"), run = dir.file("run");
  auto sim = run_rgalign("simulate --out " + data + " --users 300 --weeks 3 --markets SG,VN --seed 3");
  ASSERT_EQ(sim.exit_code, 0) << sim.output;
  auto train = run_rgalign("train --data " + data + " --model popularity --out " + run);
  ASSERT_EQ(train.exit_code, 0) << train.output;
  Json run_json = read_json_file(run + "/run.json");
  EXPECT_EQ(run_json["model"], "popularity");
  EXPECT_EQ(run_json["config"]["model"], "popularity");
  EXPECT_EQ(run_json["input_sha256"].size(), 4u);
  auto ev = run_rgalign("eval --run " + run + " --data " + data + " --out " + dir.file("m.json") +
                        " --preds " + dir.file("p.jsonl") + " --bootstrap 200");
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  Json m = read_json_file(dir.file("m.json"));
  EXPECT_GT(m["n_groups"].get<int>(), 10);
  EXPECT_TRUE(m.contains("oracle"));
  EXPECT_TRUE(m["segments"].contains("market:SG"));
  EXPECT_GT(m["oracle"]["gauc"].get<double>(), m["gauc"].get<double>());
  // The predictions file gives back the same metrics through `rgalign metrics`.
  auto mt = run_rgalign("metrics --pred " + dir.file("p.jsonl") + " --out " + dir.file("m2.json") +
                        " --bootstrap 200");
  ASSERT_EQ(mt.exit_code, 0) << mt.output;
  Json m2 = read_json_file(dir.file("m2.json"));
  EXPECT_EQ(m2.dump(), m.dump());
  // Unsupported models fail clearly.
  auto bad = run_rgalign("train --data " + data + " --model magic --out " + dir.file("r2"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("--model: unknown model \"magic\""), std::string::npos) << bad.output;
}

TEST(Cli, ReasonerPretrainEmbedThenQeRecAgainstTheBaseline) {
  test::TempDir dir;
  const std::string data = dir.file("data"), reasoner = dir.file("reasoner");
  ASSERT_EQ(
      run_rgalign("simulate --out " + data + " --users 200 --weeks 3 --markets SG,BR --seed 5").exit_code, 0);
  auto pre = run_rgalign("reasoner pretrain --data " + data + " --out " + reasoner +
                         " --vocab-size 1200 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1"
                         " --intermediate-size 64 --seq-len 64 --steps 30 --eval-every 10"
                         " --max-train-prompts 200 --threads 1");
  ASSERT_EQ(pre.exit_code, 0) << pre.output;
  EXPECT_NE(pre.output.find("validation perplexity"), std::string::npos);
  auto emb =
      run_rgalign("reasoner embed --data " + data + " --reasoner " + reasoner + " --splits valid,test");
  ASSERT_EQ(emb.exit_code, 0) << emb.output;
  EXPECT_NE(emb.output.find("prompts/s"), std::string::npos) << emb.output;
  auto again = run_rgalign("reasoner embed --data " + data + " --reasoner " + reasoner + " --splits test");
  EXPECT_NE(again.output.find(", 0 computed"), std::string::npos) << again.output;  // all from the cache
  for (const char* model : {"two-tower", "qe-rec"}) {
    auto t = run_rgalign("train --data " + data + " --model " + model + " --reasoner " + reasoner +
                         " --epochs 1 --tower-dim 8 --hidden-dim 16 --out " + dir.file(model));
    ASSERT_EQ(t.exit_code, 0) << t.output;
  }
  auto ev = run_rgalign("eval --run " + dir.file("qe-rec") + " --data " + data + " --baseline " +
                        dir.file("two-tower") + " --bootstrap 100 --out " + dir.file("m.json"));
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  Json m = read_json_file(dir.file("m.json"));
  EXPECT_TRUE(m["paired"]["gauc"]["ci95"].is_array());
  EXPECT_EQ(m["paired"]["baseline"], dir.file("two-tower"));
  auto none = run_rgalign("train --data " + data + " --model qe-rec --out " + dir.file("r3"));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.output.find("--reasoner: qe-rec needs a reasoner checkpoint directory"), std::string::npos);
}

TEST(Cli, BadInputFailsStrictAndIsCountedWithSkipBad) {
  test::TempDir dir;
  test::write_tiny_dataset(dir.path());
  test::write_text(dir.file("train.jsonl"),
                   "{\"request_id\":\"a\",\"ts\":1,\"market\":\"SG\",\"clicked\":[\"SG-1\"]}\n"
                   "{\"request_id\":\"b\",\"ts\":1,\"market\":\"SG\",\"clicked\":[\"SG-404\"]}\n");
  auto strict = run_rgalign("train --data " + dir.path() + " --out " + dir.file("run"));
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.output.find(dir.file("train.jsonl") + ":2: unknown intent id \"SG-404\""),
            std::string::npos)
      << strict.output;
  auto skip = run_rgalign("train --data " + dir.path() + " --out " + dir.file("run") + " --skip-bad");
  EXPECT_EQ(skip.exit_code, 0) << skip.output;
  EXPECT_NE(skip.output.find("skipped 1 bad line(s)"), std::string::npos) << skip.output;
}

TEST(Cli, DemoQuickWritesTheStageReport) {
  test::TempDir dir;
  auto r = run_rgalign("demo --quick --out " + dir.file("demo"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json rep = read_json_file(dir.file("demo/report.json"));
  const std::vector<std::string> names = {"baseline", "qe-rec", "rga-sft",
                                          "rga-dpo",  "rga-cl", "rga-calibrated"};
  ASSERT_EQ(rep["stages"].size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const Json& s = rep["stages"][i];
    EXPECT_EQ(s["name"], names[i]);
    EXPECT_EQ(s["model"], i == 0 ? "two-tower" : "qe-rec");
    EXPECT_TRUE(s["metrics"].contains("gauc"));
    EXPECT_TRUE(s["metrics"].contains("oracle"));
    if (i > 0) {
      EXPECT_TRUE(s["paired_vs_baseline"]["gauc"]["ci95"].is_array());
      EXPECT_TRUE(s["paired_vs_previous"]["gauc"]["ci95"].is_array());
    }
  }
  EXPECT_GT(rep["popularity"]["gauc"].get<double>(), 0.5);
  EXPECT_LT(rep["reasoner"]["valid_perplexity_after"].get<double>(),
            rep["reasoner"]["valid_perplexity_before"].get<double>());
  EXPECT_TRUE(std::filesystem::exists(dir.file("demo/reasoner/tokenizer.model")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("demo/report.md")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("demo/report.html")));
  EXPECT_NE(r.output.find("| baseline | two-tower |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| rga-calibrated | qe-rec |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Against the production baseline (two-tower)"), std::string::npos) << r.output;
}

TEST(Cli, MetricsRejectsBrokenPredictions) {
  test::TempDir dir;
  test::write_text(dir.file("p.jsonl"),
                   "{\"scores\":[1,0],\"labels\":[1,0]}\n{\"scores\":[1,NaN],\"labels\":[1,0]}\n");
  auto r = run_rgalign("metrics --pred " + dir.file("p.jsonl") + " --out " + dir.file("m.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir.file("p.jsonl") + ":2: invalid JSON"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.json")));
}

}  // namespace
}  // namespace rgalign
