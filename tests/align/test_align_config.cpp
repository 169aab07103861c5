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

}  // namespace
}  // namespace rgalign
