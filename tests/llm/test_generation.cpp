// Sampling, stop tokens, mean pooling and chat formats on a small random decoder.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "rgalign/llm/chat_format.h"
#include "rgalign/llm/decoder.h"
#include "rgalign/llm/embedder.h"
#include "rgalign/llm/generate.h"
#include "rgalign/llm/pooling.h"
#include "support/test_support.h"
#include "support/tiny_decoder.h"

namespace rgalign {
namespace {

std::shared_ptr<Decoder> small_model() {
  LlmConfig c;
  c.model_type = "llama";
  c.vocab_size = 40;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 4;
  c.head_dim = 8;
  auto d = std::make_shared<Decoder>(c, 7);
  // Larger output weights make the next-token distribution peaked enough for the tests below.
  torch::NoGradGuard g;
  d->weight(TensorRole::kOutput).mul_(40);
  return d;
}

TEST(Generation, SeededSamplingTopKAndStops) {
  auto m = small_model();
  const std::vector<std::vector<int64_t>> prompts = {{1, 2, 3}, {4, 5}};
  GenerationOptions greedy;
  greedy.max_new_tokens = 6;
  GenerationResult g = generate(*m, prompts, greedy);
  GenerationOptions top1 = greedy;
  top1.temperature = 1.5;
  top1.top_k = 1;  // sampling from the single most likely token is greedy decoding
  EXPECT_EQ(generate(*m, prompts, top1).tokens, g.tokens);
  GenerationOptions hot = greedy;
  hot.temperature = 5.0;
  hot.seed = 11;
  auto a = generate(*m, prompts, hot).tokens, b = generate(*m, prompts, hot).tokens;
  EXPECT_EQ(a, b);  // same seed, same tokens
  hot.seed = 12;
  bool differs = false;
  for (uint64_t s = 12; s < 20 && !differs; ++s) {
    hot.seed = s;
    differs = generate(*m, prompts, hot).tokens != a;
  }
  EXPECT_TRUE(differs);
  GenerationOptions stop = greedy;
  stop.stop_tokens = {g.tokens[0][1]};
  auto s = generate(*m, prompts, stop).tokens;
  ASSERT_LE(s[0].size(), 2u);
  EXPECT_EQ(s[0].back(), g.tokens[0][1]);
  GenerationOptions nucleus = greedy;
  nucleus.temperature = 1.0;
  nucleus.top_p = 1e-6;  // only the most likely token survives
  EXPECT_EQ(generate(*m, prompts, nucleus).tokens, g.tokens);
  EXPECT_EQ(test::error_of([&] {
              generate(*m, {{1, 99}}, greedy);
            }),
            "prompt: token id 99 outside the vocabulary");
}

// Grouped-query attention (2 query heads per kv head) on a small random decoder.
std::shared_ptr<Decoder> gqa_model() {
  return std::make_shared<Decoder>(test::tiny_gqa_config(), 3);
}

TEST(KvCache, StepsFromAGrowingCacheEqualOneForwardOverTheWholeSequence) {
  auto m = gqa_model();
  c10::InferenceMode guard;
  const std::vector<std::vector<int64_t>> seqs = {{5, 6, 7, 8, 9, 10, 11}, {12, 13, 14, 15, 16, 17}};
  torch::Tensor ids, mask, pos;
  pad_left(seqs, ids, mask, pos);          // [2, 7]
  auto full = m->forward(ids, mask, pos);  // [2, 7, 32]
  KvCache cache;                           // no capacity: the buffers grow as needed
  auto h = m->forward(ids.narrow(1, 0, 4), mask.narrow(1, 0, 4), pos.narrow(1, 0, 4), &cache);  // [2, 4, 32]
  EXPECT_TRUE(torch::allclose(h, full.narrow(1, 0, 4), 1e-5, 1e-5));
  for (int64_t t = 4; t < 7; ++t) {
    auto step = m->forward(ids.narrow(1, t, 1), mask.narrow(1, 0, t + 1), pos.narrow(1, t, 1), &cache);
    EXPECT_TRUE(torch::allclose(step.select(1, 0), full.select(1, t), 1e-5, 1e-5)) << "position " << t;
  }
  EXPECT_EQ(cache.length(), 7);
  EXPECT_GE(cache.k[0].size(2), 7);
}

// Asking for the last k positions runs the last layer there alone: the states equal those rows of the full
// forward pass, with the fused kernel and the module path, and the keys and values it caches serve the next
// steps as a full pass's do.
TEST(KvCache, LastPositionsEqualTheLastRowsOfTheFullPassAndCacheEveryKey) {
  auto m = gqa_model();
  c10::InferenceMode guard;
  const std::vector<std::vector<int64_t>> seqs = {{5, 6, 7, 8, 9, 10, 11, 12}, {13, 14, 15, 16, 17}};
  torch::Tensor ids, mask, pos;
  pad_left(seqs, ids, mask, pos);  // [2, 8]
  for (const bool fused : {true, false}) {
    m->set_fused_attention(fused);
    auto full = m->forward(ids, mask, pos);  // [2, 8, 32]
    for (int64_t k : {1, 3, 8, 20}) {
      auto part = m->forward(ids, mask, pos, nullptr, nullptr, k);  // [2, min(k, 8), 32]
      const int64_t n = std::min<int64_t>(k, 8);
      ASSERT_EQ(part.size(1), n);
      EXPECT_TRUE(torch::allclose(part, full.narrow(1, 8 - n, n), 1e-5, 1e-5))
          << "fused " << fused << ", k " << k;
    }
    // The first 6 positions with only the last one's states asked for, then two cached steps.
    KvCache cache;
    auto h = m->forward(ids.narrow(1, 0, 6), mask.narrow(1, 0, 6), pos.narrow(1, 0, 6), &cache, nullptr, 1);
    EXPECT_TRUE(torch::allclose(h.select(1, 0), full.select(1, 5), 1e-5, 1e-5)) << "fused " << fused;
    for (int64_t t = 6; t < 8; ++t) {
      auto step = m->forward(ids.narrow(1, t, 1), mask.narrow(1, 0, t + 1), pos.narrow(1, t, 1), &cache);
      EXPECT_TRUE(torch::allclose(step.select(1, 0), full.select(1, t), 1e-5, 1e-5))
          << "fused " << fused << ", position " << t;
    }
  }
}

// Generation without the prompt's mean: the same tokens, last-token and query poolings as with it, the mean
// NaN.
TEST(Generation, WithoutThePromptMeanTheTokensAndOtherPoolingsAreUnchanged) {
  auto m = gqa_model();
  const std::vector<std::vector<int64_t>> prompts = {{5, 6, 7, 8, 9, 10, 11}, {12, 13, 14}, {20, 21, 22, 23}};
  GenerationOptions with;
  with.max_new_tokens = 5;
  with.stop_tokens = {17};
  GenerationOptions without = with;
  without.pooled_mean = false;
  const GenerationResult a = generate(*m, prompts, with), b = generate(*m, prompts, without);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_TRUE(torch::allclose(a.pooled_last, b.pooled_last, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(a.pooled_query, b.pooled_query, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(a.last_hidden, b.last_hidden, 1e-5, 1e-5));
  EXPECT_FALSE(a.pooled_mean.isnan().any().item<bool>());
  EXPECT_TRUE(b.pooled_mean.isnan().all().item<bool>());
  // No token generated: the query pooling is the prompt's last state either way.
  GenerationOptions none_with = with, none_without = without;
  none_with.max_new_tokens = none_without.max_new_tokens = 0;
  EXPECT_TRUE(torch::allclose(generate(*m, prompts, none_without).pooled_query,
                              generate(*m, prompts, none_with).pooled_query, 1e-5, 1e-5));
}

TEST(Attention, LongPrefillsInBatchChunksEqualEachRowAlone) {
  // 600-token rows: one row's scores exceed the chunk size, so the batch is attended row by row.
  auto m = gqa_model();
  c10::InferenceMode guard;
  std::vector<std::vector<int64_t>> seqs(3);
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t i = 0; i < 600 - 50 * b; ++i)
      seqs[static_cast<size_t>(b)].push_back(3 + (b * 7 + i * 11) % 47);
  torch::Tensor ids, mask, pos;
  pad_left(seqs, ids, mask, pos);                                                     // [3, 600]
  auto batch = pool_hidden(m->forward(ids, mask, pos), mask, Pooling::kLast, false);  // [3, 32]
  for (int64_t b = 0; b < 3; ++b) {
    pad_left({seqs[static_cast<size_t>(b)]}, ids, mask, pos);
    auto alone = pool_hidden(m->forward(ids, mask, pos), mask, Pooling::kLast, false);  // [1, 32]
    EXPECT_TRUE(torch::allclose(batch[b], alone[0], 1e-4, 1e-5)) << "row " << b;
  }
}

TEST(Pooling, MeanOverRealTokensAndL2) {
  auto h = torch::tensor({{{1.0f, 0.0f}, {3.0f, 4.0f}, {100.0f, 100.0f}}});  // [1, 3, 2]
  auto mask = torch::tensor({{1, 1, 0}});
  auto mean = pool_hidden(h, mask, Pooling::kMean, false);
  EXPECT_TRUE(torch::allclose(mean, torch::tensor({{2.0f, 2.0f}})));
  auto last = pool_hidden(h, mask, Pooling::kLast, true);
  EXPECT_TRUE(torch::allclose(last, torch::tensor({{0.6f, 0.8f}})));
  EXPECT_EQ(parse_pooling("query"), Pooling::kQuery);
  EXPECT_EQ(test::error_of([] { parse_pooling("max"); }),
            "--pooling: unknown pooling \"max\" (expected last, mean or query)");
}

TEST(ChatFormat, ChatMlAndLlama3) {
  EXPECT_EQ(format_chat(ChatFormat::kChatMl, "Be brief.", "Where is my parcel?"),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhere is my parcel?<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(format_chat(ChatFormat::kChatMl, "", "hi", /*qwen3=*/true),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  EXPECT_EQ(format_chat(ChatFormat::kLlama3, "", "hi"),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(chat_format_for("qwen2", false), ChatFormat::kChatMl);
  EXPECT_EQ(chat_format_for("llama", true), ChatFormat::kLlama3);
  EXPECT_EQ(chat_format_for("llama", false), ChatFormat::kNone);
}

}  // namespace
}  // namespace rgalign
