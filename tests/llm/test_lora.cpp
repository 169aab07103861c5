// LoRA: a fresh adapter changes nothing, training moves only adapter weights, merging keeps the function and
// the merged model saves and loads in the plain layout.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "rgalign/llm/decoder.h"
#include "rgalign/llm/safetensors.h"
#include "support/test_support.h"
#include "support/tiny_decoder.h"

namespace rgalign {
namespace {

LlmConfig tiny_config() {
  return test::tiny_gqa_config();
}

TEST(Lora, FreshAdapterTrainMergeSaveLoad) {
  auto dec = std::make_shared<Decoder>(tiny_config(), 1);
  int64_t n_params = 0;
  for (const auto& p : dec->parameters()) n_params += p.numel();
  EXPECT_EQ(n_params, 50 * 32 + 32 + 2 * (32 + 32 * 32 + 2 * 16 * 32 + 32 * 32 + 2 * 8 + 32 + 3 * 32 * 48));
  auto ids = torch::randint(50, {2, 7}, torch::kInt64);
  auto mask = torch::ones({2, 7}, torch::kInt64);
  auto pos = torch::arange(7).repeat({2, 1});
  torch::Tensor base_out;
  {
    torch::NoGradGuard g;
    base_out = dec->forward(ids, mask, pos);
  }
  const auto base_q = dec->weight(TensorRole::kAttnQ, 1).clone();
  LoraConfig cfg;
  cfg.rank = 4;
  dec->enable_lora(cfg, 3);
  {
    torch::NoGradGuard g;
    EXPECT_TRUE(torch::allclose(dec->forward(ids, mask, pos), base_out));  // B = 0
  }
  torch::optim::Adam opt(dec->lora_parameters(), torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 5; ++step) {
    opt.zero_grad();
    auto loss = dec->logits(dec->forward(ids, mask, pos)).logsumexp(-1).mean();
    loss.backward();
    opt.step();
  }
  EXPECT_TRUE(torch::equal(dec->weight(TensorRole::kAttnQ, 1), base_q));  // frozen
  dec->eval();
  torch::Tensor adapted;
  {
    torch::NoGradGuard g;
    adapted = dec->forward(ids, mask, pos);
  }
  EXPECT_GT((adapted - base_out).abs().max().item<double>(), 1e-4);  // the adapters learned something
  dec->merge_lora();
  EXPECT_FALSE(dec->has_lora());
  test::TempDir dir;
  dec->save(dir.path());
  auto back = Decoder::load(dir.path());
  torch::NoGradGuard g;
  EXPECT_LE((dec->forward(ids, mask, pos) - adapted).abs().max().item<double>(), 1e-5);
  EXPECT_LE((back->forward(ids, mask, pos) - adapted).abs().max().item<double>(), 1e-5);
}

TEST(Lora, BadSettingsAreNamed) {
  Decoder dec(tiny_config());
  LoraConfig cfg;
  cfg.rank = 0;
  EXPECT_EQ(test::error_of([&] { dec.enable_lora(cfg); }), "lora: rank must be at least 1");
}

TEST(Bf16Checkpoint, ComputesInFloat32FromTheStoredValues) {
  // A bf16 checkpoint loads into float32 weights equal to the bf16 values, as transformers' float32 upcast
  // does.
  test::TempDir dir;
  LlmConfig c = tiny_config();
  c.torch_dtype = "bfloat16";
  Decoder bf(c, 2);
  {
    torch::NoGradGuard g;
    for (auto& p : bf.parameters()) p.set_data(p.to(torch::kBFloat16));
  }
  bf.save(dir.path());
  ASSERT_EQ(
      SafetensorsFile::open(dir.file("model.safetensors"))->at("model.layers.1.mlp.down_proj.weight").dtype,
      DType::kBF16);
  auto back = Decoder::load(dir.path());
  EXPECT_EQ(back->weight(TensorRole::kAttnQ, 0).scalar_type(), torch::kFloat32);
  for (TensorRole role : {TensorRole::kAttnQ, TensorRole::kFfnDown, TensorRole::kAttnKNorm})
    EXPECT_TRUE(torch::equal(back->weight(role, 1), bf.weight(role, 1).to(torch::kFloat32)));
}

}  // namespace
}  // namespace rgalign
