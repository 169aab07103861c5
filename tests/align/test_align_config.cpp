// Pipeline configuration: the shipped file equals the defaults; unknown keys, wrong types and bad values fail
// with the file and line.
#include <gtest/gtest.h>

#include "rgalign/align/align_config.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

using test::error_of;

TEST(AlignConfig, ShippedFileHoldsEveryDefault) {
  AlignConfig shipped = load_align_config(std::string(RGALIGN_TEST_DATA_DIR) + "/../configs/pipeline.yaml");
  AlignConfig defaults;
  EXPECT_EQ(shipped.to_json().dump(2), defaults.to_json().dump(2));
}

TEST(AlignConfig, PartialFileKeepsOtherDefaults) {
  AlignConfig c = parse_align_config("sft:\n  epochs: 5\n  neftune_alpha: 0\ndpo: {beta: 0.5}\n", "p.yaml");
  EXPECT_EQ(c.sft.epochs, 5);
  EXPECT_EQ(c.sft.neftune_alpha, 0.0);
  EXPECT_EQ(c.dpo.beta, 0.5);
  EXPECT_EQ(c.sft.batch, AlignConfig().sft.batch);
  EXPECT_EQ(c.calibration.rounds, 2);
}

TEST(AlignConfig, UnknownKeyNamesFileLineAndKnownKeys) {
  const std::string e = error_of([] { parse_align_config("sft:\n  epochs: 2\n  neftune: 5\n", "p.yaml"); });
  EXPECT_NE(e.find("p.yaml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key \"neftune\" in section \"sft\""), std::string::npos) << e;
  EXPECT_NE(e.find("neftune_alpha"), std::string::npos) << e;
}

TEST(AlignConfig, UnknownSectionIsAnError) {
  const std::string e = error_of([] { parse_align_config("run: {seed: 2}\nppo:\n  beta: 1\n", "p.yaml"); });
  EXPECT_NE(e.find("p.yaml:2"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown section \"ppo\""), std::string::npos) << e;
}

TEST(AlignConfig, WrongTypesAndValuesAreErrors) {
  EXPECT_NE(error_of([] {
              parse_align_config("dpo:\n  enabled: maybe\n", "p.yaml");
            }).find("p.yaml:2: \"dpo.enabled\" must be true or false"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_align_config("sft: {epochs: two}\n", "p.yaml"); }).find("must be an integer"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_align_config("run: {seed: -1}\n", "p.yaml"); }).find("run.seed"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { parse_align_config("rgcl: {temperature: 0}\n", "p.yaml"); }).find("rgcl.temperature"),
      std::string::npos);
  EXPECT_NE(error_of([] { parse_align_config("sft: [1, 2]\n", "p.yaml"); }).find("must be a mapping"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_align_config("teachers: {openai_base_url: http://x}\n", "p.yaml");
            }).find("teachers.openai_model"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_align_config("teachers: {self_greedy_margin: 0.05}\n", "p.yaml");
            }).find("needs teachers.self_greedy: true"),
            std::string::npos);
  EXPECT_EQ(parse_align_config("teachers: {self_greedy: true, self_greedy_margin: 0.05}\n", "p.yaml")
                .teachers.self_greedy_margin,
            0.05);
  EXPECT_NE(error_of([] {
              parse_align_config("calibration: {rounds: 0, control: true}\n", "p.yaml");
            }).find("calibration.control"),
            std::string::npos);
  EXPECT_TRUE(parse_align_config("calibration: {rounds: 1, control: true}\n", "p.yaml").calibration.control);
  EXPECT_NE(error_of([] { parse_align_config("sft: {epochs: [\n", "p.yaml"); }).find("invalid YAML"),
            std::string::npos);
}

TEST(AlignConfig, LocalCheckpointTeachersAreAListOfDirectories) {
  const AlignConfig c = parse_align_config(
      "teachers:\n  checkpoints:\n    - /models/qwen3-4b\n    - teacher-b\n  checkpoint_samples: 3\n",
      "p.yaml");
  EXPECT_EQ(c.teachers.checkpoints, (std::vector<std::string>{"/models/qwen3-4b", "teacher-b"}));
  EXPECT_EQ(c.teachers.checkpoint_samples, 3);
  EXPECT_EQ(parse_align_config("teachers: {checkpoints: [a]}\n", "p.yaml").teachers.checkpoints,
            std::vector<std::string>{"a"});
  EXPECT_TRUE(AlignConfig().teachers.checkpoints.empty());
  EXPECT_EQ(AlignConfig().to_json()["teachers"]["checkpoints"], Json::array());
  EXPECT_EQ(
      error_of([] { parse_align_config("run: {seed: 1}\nteachers: {checkpoints: /models/a}\n", "p.yaml"); }),
      "p.yaml:2: \"teachers.checkpoints\" must be a list, e.g. [a, b]");
  EXPECT_NE(error_of([] {
              parse_align_config("teachers: {checkpoints: [[a]]}\n", "p.yaml");
            }).find("\"teachers.checkpoints\" items must be single values"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_align_config("teachers: {checkpoints: [a], checkpoint_samples: 0}\n", "p.yaml");
            }).find("teachers.checkpoint_samples"),
            std::string::npos);
  // The only teacher may be a local checkpoint.
  EXPECT_NO_THROW(
      parse_align_config("teachers: {simulated: false, kb_retrieval: false, self_sampling: false, "
                         "checkpoints: [a]}\n",
                         "p.yaml"));
  EXPECT_NE(error_of([] {
              parse_align_config("teachers: {simulated: false, kb_retrieval: false, self_sampling: false}\n",
                                 "p.yaml");
            }).find("enable at least one teacher"),
            std::string::npos);
}

}  // namespace
}  // namespace rgalign
