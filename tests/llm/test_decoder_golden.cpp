// Golden tests of the decoder against transformers 5.17 on tiny random Qwen3, Qwen2 and Llama checkpoints
// (tests/llm/fixtures, copied from the reference fixtures; see their README): embedding output, every layer's
// hidden state, final hidden states, last-token pooling and logits for right and left padding, greedy
// decoding with a KV cache, and save -> load round trips.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>

#include "rgalign/common/json_util.h"
#include "rgalign/llm/decoder.h"
#include "rgalign/llm/generate.h"
#include "rgalign/llm/pooling.h"
#include "rgalign/llm/safetensors.h"
#include "rgalign/llm/safetensors_torch.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

constexpr double kTol = 1e-4;

std::string fixture(const std::string& model) {
  return std::string(RGALIGN_TEST_DATA_DIR) + "/llm/fixtures/" + model;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

class DecoderGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dec_ = Decoder::load(fixture(GetParam()));
    expected_ = SafetensorsFile::open(fixture(GetParam()) + "/expected.safetensors");
  }
  torch::Tensor ref(const std::string& name) { return to_torch(expected_->at(name)); }
  std::shared_ptr<Decoder> dec_;
  std::shared_ptr<SafetensorsFile> expected_;
};

TEST_P(DecoderGolden, SingleSequenceEveryLayer) {
  torch::NoGradGuard g;
  auto ids = ref("single.input_ids").unsqueeze(0);  // [1, T]
  const int64_t T = ids.size(1);
  std::vector<torch::Tensor> hs;
  auto out =
      dec_->forward(ids, torch::ones({1, T}, torch::kInt64), torch::arange(T).unsqueeze(0), nullptr, &hs);
  ASSERT_EQ(hs.size(), 4u);
  for (int i = 0; i < 4; ++i)
    EXPECT_LE(max_diff(hs[i][0], ref("single.hidden_states." + std::to_string(i))), kTol) << i;
  EXPECT_LE(max_diff(dec_->logits(out)[0], ref("single.logits")), kTol);
}

TEST_P(DecoderGolden, PaddedBatchesRightAndLeft) {
  torch::NoGradGuard g;
  for (const std::string side : {"right", "left"}) {
    auto ids = ref(side + ".input_ids"), mask = ref(side + ".attention_mask"),
         pos = ref(side + ".position_ids");
    std::vector<torch::Tensor> hs;
    auto hidden = dec_->forward(ids, mask, pos, nullptr, &hs);  // [4, T, H]
    auto real = mask.to(torch::kBool).unsqueeze(-1);
    EXPECT_LE(max_diff(hs[0], ref(side + ".embeddings_hidden_state")), kTol) << side;
    EXPECT_LE(max_diff(hidden.masked_fill(real.logical_not(), 0),
                       ref(side + ".last_hidden_state").masked_fill(real.logical_not(), 0)),
              kTol)
        << side;
    auto pooled = pool_hidden(hidden, mask, Pooling::kLast, /*l2_normalize=*/false);  // [4, H]
    EXPECT_LE(max_diff(pooled, ref(side + ".last_token_pooled")), kTol) << side;
    EXPECT_LE(max_diff(dec_->logits(pooled), ref(side + ".last_token_logits")), kTol) << side;
  }
}

TEST_P(DecoderGolden, PooledBatchEqualsEachSequenceAlone) {
  torch::NoGradGuard g;
  auto ids = ref("left.input_ids"), mask = ref("left.attention_mask"), pos = ref("left.position_ids");
  auto pooled = pool_hidden(dec_->forward(ids, mask, pos), mask, Pooling::kLast, false);
  for (int64_t r = 0; r < ids.size(0); ++r) {
    auto real = ids[r].masked_select(mask[r].to(torch::kBool)).unsqueeze(0);  // [1, n]
    const int64_t n = real.size(1);
    auto alone = dec_->forward(real, torch::ones({1, n}, torch::kInt64), torch::arange(n).unsqueeze(0));
    EXPECT_LE(max_diff(alone[0][n - 1], pooled[r]), kTol) << r;
  }
}

TEST_P(DecoderGolden, GreedyWithKvCache) {
  GenerationOptions opt;
  opt.max_new_tokens = 8;
  opt.temperature = 0.0;
  auto prompt = ref("greedy.prompt");
  std::vector<int64_t> p(prompt.data_ptr<int64_t>(), prompt.data_ptr<int64_t>() + prompt.numel());
  GenerationResult r = generate(*dec_, {p}, opt);
  auto expected = ref("greedy.output");
  std::vector<int64_t> want(expected.data_ptr<int64_t>(), expected.data_ptr<int64_t>() + expected.numel());
  EXPECT_EQ(r.tokens[0], want);
}

TEST_P(DecoderGolden, SaveLoadRoundTrip) {
  test::TempDir dir;
  dec_->save(dir.path());
  auto back = Decoder::load(dir.path());
  torch::NoGradGuard g;
  auto ids = ref("right.input_ids"), mask = ref("right.attention_mask"), pos = ref("right.position_ids");
  EXPECT_TRUE(torch::equal(dec_->forward(ids, mask, pos), back->forward(ids, mask, pos)));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DecoderGolden, ::testing::Values("qwen3", "qwen2", "llama"));

TEST(DecoderLoad, EveryTensorProblemListedAtOnce) {
  test::TempDir dir;
  auto dec = Decoder::load(fixture("llama"));
  LlmConfig cfg = dec->config();
  cfg.intermediate_size = 100;  // now every MLP tensor is mis-shaped
  cfg.model_type = "qwen3";     // and q_norm / k_norm are missing
  dec->save(dir.path());
  write_json_file(dir.file("config.json"), cfg.to_json());
  std::string msg = test::error_of([&] { Decoder::load(dir.path()); });
  EXPECT_NE(msg.find("15 tensor problem(s)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"model.layers.0.mlp.gate_proj.weight\" has shape [176, 64], expected [100, 64]"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("missing \"model.layers.2.self_attn.k_norm.weight\""), std::string::npos) << msg;
}

TEST(DecoderConfig, FormsAndRejections) {
  Json j = read_json_file(fixture("qwen3") + "/config.json");
  LlmConfig a = LlmConfig::parse(j, "c");
  EXPECT_EQ(a.head_dim, 16);
  EXPECT_TRUE(a.qk_norm);
  EXPECT_TRUE(a.tie_word_embeddings);
  j.erase("rope_parameters");
  j["rope_theta"] = 1e6;  // older transformers: top-level rope_theta
  j.erase("head_dim");    // derived: hidden / heads
  j["torch_dtype"] = "bfloat16";
  LlmConfig b = LlmConfig::parse(j, "c");
  EXPECT_EQ(b.rope_theta, 1e6);
  EXPECT_EQ(b.head_dim, 16);
  EXPECT_EQ(b.torch_dtype, "bfloat16");
  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  EXPECT_EQ(test::error_of([&] { LlmConfig::parse(j, "config.json"); }),
            "config.json: unsupported rope_type \"yarn\" (supported: default, llama3)");
  j.erase("rope_scaling");
  j["model_type"] = "mistral";
  EXPECT_EQ(test::error_of([&] { LlmConfig::parse(j, "config.json"); }),
            "config.json: unsupported model_type \"mistral\" (supported: llama, qwen2, qwen3)");
}

TEST(DecoderConfig, WrittenBackItKeepsEveryKeyOfTheOriginal) {
  // A fine-tune saved from a checkpoint is that checkpoint's config.json: keys the engine does not model keep
  // their values, the ones it does are written from what it holds, and reading it back gives the same config.
  const Json original = read_json_file(fixture("qwen3") + "/config.json");
  const LlmConfig a = LlmConfig::parse(original, "c");
  const Json written = a.to_json();
  for (const auto& [key, value] : original.items()) EXPECT_EQ(written.at(key), value) << key;
  EXPECT_EQ(written["rope_theta"], 10000.0);  // the engine's own form is written beside transformers 5's
  EXPECT_EQ(LlmConfig::parse(written, "c").to_json(), written);
  LlmConfig built;  // a config made in code (the built-in reasoner) has nothing else to keep
  built.model_type = "llama";
  EXPECT_FALSE(built.to_json().contains("layer_types"));
  EXPECT_EQ(built.to_json()["architectures"], Json::array({"LlamaForCausalLM"}));
}

TEST(EmbedCommand, TextsThroughTokenizerAndDecoderMatchTransformers) {
  // rgalign embed on the fixture's four texts (tokenized by the fixture tokenizer) gives transformers'
  // last-token pooled states; {"ids": ...} lines work without text; bad lines are named.
  test::TempDir dir;
  test::write_fixture_checkpoint("qwen3", dir.path());
  auto expected = SafetensorsFile::open(fixture("qwen3") + "/expected.safetensors");
  Json texts = parse_json(expected->metadata().at("texts"), "texts");
  std::string lines;
  for (const auto& t : texts) lines += Json{{"text", t}}.dump() + "\n";
  test::write_text(dir.file("in.jsonl"), lines);
  auto r = test::run_rgalign("embed --model " + dir.path() + " --input " + dir.file("in.jsonl") + " --out " +
                             dir.file("e.safetensors") + " --batch 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto out = to_torch(SafetensorsFile::open(dir.file("e.safetensors"))->at("embeddings"));
  EXPECT_LE(max_diff(out, to_torch(expected->at("right.last_token_pooled"))), kTol);
  test::write_text(dir.file("bad.jsonl"), "{\"ids\": [1, 2]}\n{\"ids\": [1, 99999]}\n");
  auto bad = test::run_rgalign("embed --model " + dir.path() + " --input " + dir.file("bad.jsonl") +
                               " --out " + dir.file("b.safetensors"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find(dir.file("bad.jsonl") + ":2: \"ids\" entries must be integers in [0, 606)"),
            std::string::npos)
      << bad.output;
}

TEST(DecoderRope, Llama3ScalingMatchesReferenceFormula) {
  LlmConfig c;
  c.head_dim = 128;
  c.rope_theta = 500000.0;
  c.rope_scaling.rope_type = "llama3";
  c.rope_scaling.factor = 8.0;
  auto inv = rope_inv_freq(c);
  // High frequencies (short wavelengths) are unchanged, the lowest are divided by the factor.
  EXPECT_NEAR(inv[0].item<double>(), 1.0, 1e-7);
  const double base_last = 1.0 / std::pow(500000.0, 126.0 / 128.0);
  EXPECT_NEAR(inv[63].item<double>(), base_last / 8.0, 1e-12);
}

}  // namespace
}  // namespace rgalign
