// Reward, best-of-N, DPO, InfoNCE, NEFTune and the student's target sequences against hand-computed values.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "rgalign/align/losses.h"
#include "rgalign/align/reward.h"
#include "rgalign/align/sequences.h"
#include "rgalign/llm/decoder.h"
#include "rgalign/llm/generate.h"
#include "rgalign/llm/pooling.h"

namespace rgalign {
namespace {

TEST(Reward, ListwiseIsTheSoftmaxMassOnTheClickedIntent) {
  // Two candidate latent queries for a request with three real candidates (the fourth is padding), intent 1
  // clicked.
  auto logits = torch::tensor({2.0, 1.0, 0.0, 50.0, 0.0, 3.0, 0.0, 50.0}).view({2, 4});
  auto labels = torch::tensor({0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0}).view({2, 4});
  auto mask = torch::tensor({1, 1, 1, 0, 1, 1, 1, 0}, torch::kBool).view({2, 4});
  auto r = rewards_from_logits(logits, labels, mask, RewardKind::kListwise);
  const double z0 = std::exp(2.0) + std::exp(1.0) + 1.0, z1 = 1.0 + std::exp(3.0) + 1.0;
  EXPECT_NEAR(r[0].item<double>(), std::exp(1.0) / z0, 1e-12);
  EXPECT_NEAR(r[1].item<double>(), std::exp(3.0) / z1, 1e-12);
}

TEST(Reward, Ndcg3RewardsTheRankOfTheClick) {
  auto logits = torch::tensor({3.0, 2.0, 1.0, 0.0, 0.0, 1.0, 2.0, 3.0, 9.0, 8.0, 7.0, 6.0}).view({3, 4});
  auto labels = torch::tensor({0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}).view({3, 4});
  auto mask = torch::ones({3, 4}, torch::kBool);
  auto r = rewards_from_logits(logits, labels, mask, RewardKind::kNdcg3);
  EXPECT_NEAR(r[0].item<double>(), 1.0 / std::log2(3.0), 1e-12);  // clicked intent ranked second
  EXPECT_NEAR(r[1].item<double>(), 1.0 / std::log2(4.0), 1e-12);  // ranked third
  EXPECT_EQ(r[2].item<double>(), 0.0);                            // no click
}

TEST(Reward, BestOfNPicksBestAndWorstAndTheMargin) {
  BestOfN b = best_of_n({0.10, 0.40, 0.05, 0.40}, 0.3);
  EXPECT_EQ(b.best, 1);  // first of the tied best
  EXPECT_EQ(b.worst, 2);
  EXPECT_TRUE(b.pair);
  EXPECT_FALSE(best_of_n({0.10, 0.40, 0.05}, 0.36).pair);  // margin 0.35 below the threshold
  BestOfN one = best_of_n({0.2}, 0.0);
  EXPECT_EQ(one.best, 0);
  EXPECT_FALSE(one.pair);  // one candidate is no pair
  EXPECT_EQ(best_of_n({}, 0.0).best, -1);
}

TEST(Reward, BestOfNKeepsTheIncumbentUnlessAnotherGainsEnough) {
  // Incumbent 0 (reward 0.10): 0.13 gains 0.03, below 0.05, so the incumbent stays the best; the pair is
  // judged against it (0.10 - 0.02 = 0.08 >= 0.05).
  BestOfN kept = best_of_n({0.10, 0.13, 0.02}, 0.05, 0, 0.05);
  EXPECT_EQ(kept.best, 0);
  EXPECT_EQ(kept.worst, 2);
  EXPECT_TRUE(kept.pair);
  EXPECT_FALSE(best_of_n({0.10, 0.13, 0.07}, 0.05, 0, 0.05).pair);  // 0.10 - 0.07 below the margin
  // A gain of 0.06 is enough: the other candidate is the best.
  EXPECT_EQ(best_of_n({0.10, 0.16, 0.02}, 0.05, 0, 0.05).best, 1);
  // The incumbent anywhere in the list; no gain asked (0) = the plain best of N.
  EXPECT_EQ(best_of_n({0.13, 0.02, 0.10}, 0.05, 2, 0.05).best, 2);
  EXPECT_EQ(best_of_n({0.13, 0.02, 0.10}, 0.05, 2, 0.0).best, 0);
  // The incumbent is the worst and nothing gains enough: best = worst, no pair.
  BestOfN alone = best_of_n({0.02, 0.05}, 0.01, 0, 0.05);
  EXPECT_EQ(alone.best, 0);
  EXPECT_FALSE(alone.pair);
}

TEST(AlignLosses, DpoMatchesTheFormula) {
  auto pw = torch::tensor({-4.0, -2.0}), pl = torch::tensor({-6.0, -1.0});
  auto rw = torch::tensor({-5.0, -2.0}), rl = torch::tensor({-5.0, -2.0});
  const double beta = 0.5;
  // Pair 1: ((-4 + 5) - (-6 + 5)) = 2; pair 2: ((-2 + 2) - (-1 + 2)) = -1.
  const double expected =
      0.5 * (-std::log(1 / (1 + std::exp(-beta * 2))) - std::log(1 / (1 + std::exp(beta * 1))));
  EXPECT_NEAR(dpo_loss(pw, pl, rw, rl, beta).item<double>(), expected, 1e-6);
  // Equal policy and reference: log 2.
  EXPECT_NEAR(dpo_loss(rw, rl, rw, rl, beta).item<double>(), std::log(2.0), 1e-6);
}

TEST(AlignLosses, InfoNceMatchesTheFormulaAndIgnoresMaskedKeys) {
  auto a = torch::tensor({1.0f, 0.0f}).view({1, 2});
  // Keys: positive at 45 degrees (cos 0.7071), a negative at 90 degrees (cos 0), a masked identical one.
  auto k = torch::tensor({1.0f, 1.0f, 0.0f, 3.0f, 1.0f, 0.0f}).view({1, 3, 2});
  auto m = torch::tensor({1, 1, 0}, torch::kBool).view({1, 3});
  const double t = 0.5, c = 1 / std::sqrt(2.0);
  const double expected = -std::log(std::exp(c / t) / (std::exp(c / t) + std::exp(0.0)));
  EXPECT_NEAR(info_nce(a, k, m, t).item<double>(), expected, 1e-5);
}

TEST(AlignLosses, NeftuneNoiseIsBoundedAndSkipsPadding) {
  torch::manual_seed(0);
  auto x = torch::zeros({2, 4, 8});
  auto mask = torch::tensor({1, 1, 1, 1, 1, 1, 0, 0}).view({2, 4});
  auto y = neftune_noise(x, mask, 5.0);
  EXPECT_LE(y[0].abs().max().item<double>(), 5.0 / std::sqrt(4.0 * 8) + 1e-6);
  EXPECT_LE(y[1].abs().max().item<double>(), 5.0 / std::sqrt(2.0 * 8) + 1e-6);
  EXPECT_GT(y[0].abs().max().item<double>(), 0.0);
  EXPECT_EQ(y[1].narrow(0, 2, 2).abs().max().item<double>(), 0.0);
  EXPECT_TRUE(torch::equal(neftune_noise(x, mask, 0.0), x));
}

std::shared_ptr<Decoder> tiny_decoder() {
  LlmConfig c;
  c.model_type = "llama";
  c.vocab_size = 30;
  c.hidden_size = 16;
  c.intermediate_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.head_dim = 8;
  return std::make_shared<Decoder>(c, 5);
}

TEST(StudentSequences, TargetLogProbsAreTheTextAndEndTokensOnly) {
  auto m = tiny_decoder();
  m->eval();
  torch::NoGradGuard g;
  const std::vector<std::vector<int64_t>> prompts = {{1, 2, 3}, {4, 5}}, texts = {{6, 7}, {8}};
  SeqBatch b = make_seq_batch(prompts, texts, 2);
  EXPECT_EQ(b.ids.sizes(), torch::IntArrayRef({2, 6}));
  EXPECT_EQ(b.target.sum().item<int64_t>(), 5);  // 2 + 1 text tokens and an end token each
  EXPECT_EQ(b.emb_index[0].item<int64_t>(), 4);  // last text token of row 0
  torch::Tensor emb;
  auto lp = target_logprobs(*m, b, 0, &emb);
  // Row 0 by hand: the full sequence [1 2 3 6 7 2], log p(6 | 1 2 3) + log p(7 | ..6) + log p(2 | ..7).
  auto ids = torch::tensor({1, 2, 3, 6, 7, 2}, torch::kInt64).view({1, 6});
  auto h = m->forward(ids, torch::ones({1, 6}, torch::kInt64), torch::arange(6).view({1, 6}));
  auto logp = torch::log_softmax(m->logits(h), -1)[0];
  const double expected = logp[2][6].item<double>() + logp[3][7].item<double>() + logp[4][2].item<double>();
  EXPECT_NEAR(lp[0].item<double>(), expected, 1e-5);
  EXPECT_LT(torch::max(torch::abs(emb[0] - h[0][4])).item<double>(), 1e-5);
  // Row 1 is padded (on the left); its result equals the row alone.
  SeqBatch alone = make_seq_batch({prompts[1]}, {texts[1]}, 2);
  EXPECT_NEAR(target_logprobs(*m, alone)[0].item<double>(), lp[1].item<double>(), 1e-5);
  // Query pooling: the mean over the text's tokens (6 7), never the prompt's or the end token's; mean
  // pooling: prompt and text, without the end token.
  torch::Tensor q, mean;
  target_logprobs(*m, b, 0, &q, Pooling::kQuery);
  target_logprobs(*m, b, 0, &mean, Pooling::kMean);
  EXPECT_LT(torch::max(torch::abs(q[0] - (h[0][3] + h[0][4]) / 2)).item<double>(), 1e-5);
  EXPECT_LT(torch::max(torch::abs(mean[0] - h[0].narrow(0, 0, 5).mean(0))).item<double>(), 1e-5);
  // A row without text: its query embedding is the prompt's last token.
  SeqBatch empty = make_seq_batch({prompts[0]}, {{}}, 2);
  target_logprobs(*m, empty, 0, &q, Pooling::kQuery);
  EXPECT_LT(torch::max(torch::abs(q[0] - h[0][2])).item<double>(), 1e-5);
}

TEST(StudentSequences, TargetLogProbsGradientsEqualTheAllPositionsLmHead) {
  // Logits are computed at the target positions only, and the last layer runs from the first position read
  // on; values and gradients are those of the LM head over every position of a full pass with the others
  // masked out, the query-pooled embedding (RG-CL's) included.
  auto m = tiny_decoder();
  SeqBatch b = make_seq_batch({{1, 2, 3, 4}, {5, 6}, {7}}, {{8, 9}, {10, 11, 12}, {}}, 2);
  auto grads = [&] {
    std::vector<torch::Tensor> g;
    for (const auto& p : m->parameters()) g.push_back(p.grad().clone());
    m->zero_grad();
    return g;
  };
  torch::manual_seed(3);
  const auto emb_weight = torch::randn({3, m->config().hidden_size});  // [3, H]
  torch::Tensor emb;
  auto lp = target_logprobs(*m, b, 0, &emb, Pooling::kQuery);  // [3]
  ((lp * torch::tensor({1.0f, -2.0f, 0.5f})).sum() + (emb * emb_weight).sum()).backward();
  const auto got = grads();
  const int64_t T = b.ids.size(1);
  auto h = m->forward(b.ids, b.mask, b.positions);                      // [3, T, H]
  auto logp = torch::log_softmax(m->logits(h.narrow(1, 0, T - 1)), -1)  // [3, T-1, V]
                  .gather(-1, b.ids.narrow(1, 1, T - 1).unsqueeze(-1))
                  .squeeze(-1);                                                  // [3, T-1]
  auto want = (logp * b.target.narrow(1, 1, T - 1).to(torch::kFloat32)).sum(1);  // [3]
  EXPECT_LT(torch::max(torch::abs(lp.detach() - want.detach())).item<double>(), 1e-5);
  auto want_emb = pool_hidden(h, b.text_mask, Pooling::kMean, false);  // [3, H]
  EXPECT_LT(torch::max(torch::abs(emb.detach() - want_emb.detach())).item<double>(), 1e-5);
  ((want * torch::tensor({1.0f, -2.0f, 0.5f})).sum() + (want_emb * emb_weight).sum()).backward();
  const auto expected = grads();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_LT(torch::max(torch::abs(got[i] - expected[i])).item<double>(), 1e-5) << i;
}

TEST(StudentSequences, GenerationPoolsWithoutASecondPass) {
  auto m = tiny_decoder();
  m->eval();
  GenerationOptions o;
  o.max_new_tokens = 4;
  auto r = generate(*m, {{1, 2, 3}, {4, 5}}, o);
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<int64_t> seq = b == 0 ? std::vector<int64_t>{1, 2, 3} : std::vector<int64_t>{4, 5};
    for (int64_t t : r.tokens[static_cast<size_t>(b)]) seq.push_back(t);
    const auto T = static_cast<int64_t>(seq.size());
    torch::NoGradGuard g;
    auto h = m->forward(torch::tensor(seq, torch::kInt64).view({1, T}), torch::ones({1, T}, torch::kInt64),
                        torch::arange(T).view({1, T}));  // [1, T, H]
    EXPECT_LT(torch::max(torch::abs(r.pooled_last[b] - h[0][T - 1])).item<double>(), 1e-4);
    EXPECT_LT(torch::max(torch::abs(r.pooled_mean[b] - h[0].mean(0))).item<double>(), 1e-4);
    const int64_t P = b == 0 ? 3 : 2;  // the generated tokens' mean
    EXPECT_LT(torch::max(torch::abs(r.pooled_query[b] - h[0].narrow(0, P, T - P).mean(0))).item<double>(),
              1e-4);
  }
  // A row that stops at once has no text: its query embedding is the prompt's last state.
  o.stop_tokens = {r.tokens[0][0]};
  auto stopped = generate(*m, {{1, 2, 3}}, o);
  ASSERT_EQ(stopped.tokens[0].size(), 1u);
  EXPECT_LT(torch::max(torch::abs(stopped.pooled_query[0] - stopped.pooled_last[0])).item<double>(), 1e-6);
  torch::NoGradGuard g;
  auto h = m->forward(torch::tensor({1, 2, 3}, torch::kInt64).view({1, 3}),
                      torch::ones({1, 3}, torch::kInt64), torch::arange(3).view({1, 3}));
  EXPECT_LT(torch::max(torch::abs(stopped.pooled_query[0] - h[0][2])).item<double>(), 1e-4);
}

}  // namespace
}  // namespace rgalign
