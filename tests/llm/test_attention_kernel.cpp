// The decoder's fused CPU attention (llm/attention_kernel.h) against the module path and against attention
// written out from its definition.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <array>
#include <cmath>
#include <limits>

#include "rgalign/llm/attention_kernel.h"
#include "rgalign/llm/decoder.h"
#include "rgalign/llm/generate.h"
#include "rgalign/llm/pooling.h"
#include "support/tiny_decoder.h"

namespace rgalign {
namespace {

// Grouped-query attention (4 query heads over 2 kv heads) with Qwen3's q/k norms.
std::shared_ptr<Decoder> attention_test_model() {
  return std::make_shared<Decoder>(test::tiny_gqa_config(), 3);
}

float attention_max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<float>();
}

// Both ways of computing the scores, and the automatic choice, on one query row (a decoding step), a few and
// many: rows that start at different keys, key counts off the blocks of 8 and 32, head sizes off 8.
TEST(AttentionKernel, MatchesTheDefinitionWithHolesInTheMask) {
  torch::manual_seed(5);
  for (auto [T, S, hd] : std::vector<std::array<int64_t, 3>>{
           {1, 9, 12}, {5, 9, 12}, {23, 30, 12}, {30, 30, 32}, {13, 40, 20}, {1, 41, 32}}) {
    const int64_t B = 3, nh = 4, nkv = 2;
    auto q = torch::randn({B, nh, T, hd}), k = torch::randn({B, nkv, S, hd}),
         v = torch::randn({B, nkv, S, hd});
    auto mask = torch::ones({B, S}, torch::kInt64);
    mask[0].narrow(0, 0, 3).zero_();  // left padding
    mask[1][2] = 0;                   // a hole before the queries
    mask[1][S - 3] = 0;               // a hole among them: the query at position S - 3 still sees itself
    mask[2].narrow(0, 0, std::min<int64_t>(S - T + 2, S)).zero_();  // padding queries: only themselves
    torch::NoGradGuard g;
    for (FusedScores path : {FusedScores::kAuto, FusedScores::kRowDots, FusedScores::kTransposedKeys}) {
      const auto fused = causal_attention_fused(q, k, v, fused_key_mask(mask), path);  // [B, T, nh*hd]
      ASSERT_EQ(fused.sizes(), (std::vector<int64_t>{B, T, nh * hd}));
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < nh; ++h)
          for (int64_t t = 0; t < T; ++t) {
            const int64_t pos = S - T + t;
            auto scores = torch::matmul(k[b][h / 2], q[b][h][t]) / std::sqrt(static_cast<double>(hd));  // [S]
            for (int64_t j = 0; j < S; ++j)
              if (j != pos && (j > pos || mask[b][j].item<int64_t>() == 0))
                scores[j] = -std::numeric_limits<float>::infinity();
            auto want = torch::matmul(torch::softmax(scores, 0), v[b][h / 2]);  // [hd]
            auto got = fused[b][t].narrow(0, h * hd, hd);
            EXPECT_LT(attention_max_diff(got, want), 1e-5f)
                << "T " << T << " path " << static_cast<int>(path) << ": " << b << " " << h << " " << t;
          }
    }
  }
}

TEST(AttentionKernel, DecoderPrefillAndCachedStepsMatchTheModulePath) {
  auto m = attention_test_model();
  // Left-padded prompts of three lengths, then three cached single-token steps.
  const std::vector<std::vector<int64_t>> prompts = {{3, 4, 5, 6, 7, 8, 9}, {10, 11}, {12, 13, 14, 15}};
  torch::Tensor ids, mask, pos;
  pad_left(prompts, ids, mask, pos);
  c10::InferenceMode guard;
  auto run = [&](bool fused) {
    m->set_fused_attention(fused);
    std::vector<torch::Tensor> out;
    KvCache cache;
    cache.capacity = ids.size(1) + 3;
    out.push_back(m->forward(ids, mask, pos, &cache));  // [B, T, H]
    auto step_mask = mask, step_pos = pos.select(1, pos.size(1) - 1).unsqueeze(1);
    for (int64_t s = 0; s < 3; ++s) {
      step_mask = torch::cat({step_mask, torch::ones({ids.size(0), 1}, mask.options())}, 1);
      step_pos = step_pos + 1;
      out.push_back(m->forward(torch::full({ids.size(0), 1}, 20 + s, torch::kInt64), step_mask, step_pos,
                               &cache));  // [B, 1, H]
    }
    m->set_fused_attention(true);
    return out;
  };
  const auto fused = run(true), modules = run(false);
  for (size_t i = 0; i < fused.size(); ++i) EXPECT_LT(attention_max_diff(fused[i], modules[i]), 1e-5f) << i;
  // Real tokens of a left-padded row read only real keys: row 1's last state equals its unpadded run.
  auto alone =
      m->forward(torch::tensor({{10, 11}}), torch::ones({1, 2}, torch::kInt64), torch::tensor({{0, 1}}));
  EXPECT_LT(attention_max_diff(alone[0][1], fused[0][1][ids.size(1) - 1]), 1e-5f);
}

TEST(AttentionKernel, TrainingKeepsTheModulePathAndItsGradients) {
  auto m = attention_test_model();
  auto ids = torch::tensor({{3, 4, 5}}), mask = torch::ones({1, 3}, torch::kInt64),
       pos = torch::tensor({{0, 1, 2}});
  ASSERT_FALSE(fused_attention_applies(m->embed(ids)));  // gradients on
  auto out = m->forward(ids, mask, pos);
  out.sum().backward();
  EXPECT_TRUE(m->weight(TensorRole::kAttnQ, 0).grad().defined());
  torch::NoGradGuard g;
  EXPECT_TRUE(fused_attention_applies(m->embed(ids)));
  EXPECT_LT(attention_max_diff(m->forward(ids, mask, pos), out.detach()), 1e-5f);
}

}  // namespace
}  // namespace rgalign
