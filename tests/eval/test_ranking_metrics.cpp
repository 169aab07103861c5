// Per-group ranking statistics on hand-computed tables, including ties (expected value over tied orders).
#include <gtest/gtest.h>

#include <cmath>

#include "rgalign/eval/auc.h"
#include "rgalign/eval/ranking_metrics.h"
#include "rgalign/sim/rng.h"

namespace rgalign {
namespace {

GroupStats stats(std::vector<float> s, std::vector<float> y) {
  std::vector<int32_t> scratch;
  return group_stats(s.data(), y.data(), static_cast<int32_t>(s.size()), scratch);
}

TEST(RankingMetrics, NoTies) {
  // Ranked: neg, POS, neg, POS -> clicks at positions 2 and 4.
  GroupStats g = stats({3, 2, 1, 0}, {0, 1, 0, 1});
  EXPECT_EQ(g.n, 4);
  EXPECT_EQ(g.n_pos, 2);
  EXPECT_DOUBLE_EQ(g.auc, 0.25);
  EXPECT_DOUBLE_EQ(g.hits_at[0], 0.0);
  EXPECT_DOUBLE_EQ(g.hits_at[1], 1.0);
  EXPECT_DOUBLE_EQ(g.hits_at[2], 2.0);
  EXPECT_NEAR(g.ndcg_at[0], (1 / std::log2(3.0)) / (1 + 1 / std::log2(3.0)), 1e-12);  // 0.386853
  EXPECT_NEAR(g.ndcg_at[0], 0.386853, 1e-6);
  EXPECT_NEAR(g.ndcg_at[1], (1 / std::log2(3.0) + 1 / std::log2(5.0)) / (1 + 1 / std::log2(3.0)), 1e-12);
  EXPECT_DOUBLE_EQ(g.reciprocal_rank, 0.5);
  EXPECT_NEAR(g.listwise_logloss, 2.440190, 1e-6);
}

TEST(RankingMetrics, OnePositiveInsideATopTie) {
  // Three candidates tie at the top; the click is equally likely at positions 1, 2 or 3.
  GroupStats g = stats({1, 1, 1, 0}, {0, 1, 0, 0});
  EXPECT_NEAR(g.auc, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(g.hits_at[0], 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(g.hits_at[1], 1.0, 1e-12);
  EXPECT_NEAR(g.ndcg_at[0], (1 + 1 / std::log2(3.0) + 0.5) / 3, 1e-12);  // 0.710310
  EXPECT_NEAR(g.reciprocal_rank, (1 + 0.5 + 1 / 3.0) / 3, 1e-12);        // 0.611111
}

TEST(RankingMetrics, TwoPositivesAllTied) {
  GroupStats g = stats({5, 5, 5, 5}, {1, 0, 1, 0});
  EXPECT_DOUBLE_EQ(g.auc, 0.5);
  EXPECT_NEAR(g.hits_at[0], 0.5, 1e-12);  // 2 clicks x 1/4 of the top slot
  EXPECT_NEAR(g.hits_at[1], 1.5, 1e-12);
  // First click at offset 0, 1, 2 with probability 1/2, 1/3, 1/6.
  EXPECT_NEAR(g.reciprocal_rank, 0.5 + (1.0 / 3) / 2 + (1.0 / 6) / 3, 1e-12);
}

TEST(RankingMetrics, OrderOfInputDoesNotMatter) {
  GroupStats a = stats({1, 1, 1, 0, 2}, {0, 1, 0, 0, 0});
  GroupStats b = stats({2, 0, 1, 1, 1}, {0, 0, 1, 0, 0});
  EXPECT_DOUBLE_EQ(a.auc, b.auc);
  EXPECT_DOUBLE_EQ(a.ndcg_at[0], b.ndcg_at[0]);
  EXPECT_DOUBLE_EQ(a.reciprocal_rank, b.reciprocal_rank);
  EXPECT_DOUBLE_EQ(a.hits_at[1], b.hits_at[1]);
}

TEST(RankingMetrics, UndefinedAucForSingleAndAllPositiveGroups) {
  EXPECT_TRUE(std::isnan(stats({0.3f}, {1}).auc));
  GroupStats all = stats({0.3f, 0.1f}, {1, 1});
  EXPECT_TRUE(std::isnan(all.auc));
  EXPECT_DOUBLE_EQ(all.hits_at[0], 1.0);
  EXPECT_DOUBLE_EQ(all.ndcg_at[0], 1.0);
  GroupStats none = stats({0.3f, 0.1f}, {0, 0});
  EXPECT_TRUE(std::isnan(none.auc));
  EXPECT_DOUBLE_EQ(none.ndcg_at[0], 0.0);
}

TEST(RankingMetrics, GradedDcg) {
  const float s[] = {3, 2, 1};
  const float y[] = {0, 2, 1};
  EXPECT_NEAR(dcg_at_k(s, y, 3, 3), 2 / std::log2(3.0) + 1 / std::log2(4.0), 1e-12);
  EXPECT_NEAR(ideal_dcg_at_k(y, 3, 3), 2 + 1 / std::log2(3.0), 1e-12);
}

TEST(RankingMetrics, DirectPathEqualsFullSort) {
  // group_stats counts tie blocks directly for groups with few clicks; the sort-based path is its reference.
  sim::Rng rng(11);
  std::vector<int32_t> scratch;
  for (int t = 0; t < 2000; ++t) {
    const int n = 1 + static_cast<int>(rng.below(60));
    std::vector<float> s(n), y(n, 0.0f);
    for (auto& x : s) x = static_cast<float>(rng.below(t % 3 == 0 ? 3 : 50)) * 0.5f;  // many ties
    const int clicks = static_cast<int>(rng.below(static_cast<uint64_t>(std::min(n, 8)) + 1));
    for (int c = 0; c < clicks; ++c)
      y[rng.below(n)] = (t % 5 == 0) ? 1.0f + static_cast<float>(rng.below(3)) : 1.0f;
    GroupStats a = group_stats(s.data(), y.data(), n, scratch);
    GroupStats b = group_stats_sorted(s.data(), y.data(), n, scratch);
    ASSERT_EQ(a.n_pos, b.n_pos);
    if (std::isnan(b.auc))
      EXPECT_TRUE(std::isnan(a.auc));
    else
      EXPECT_NEAR(a.auc, b.auc, 1e-12);
    for (int r = 0; r < 3; ++r) EXPECT_NEAR(a.hits_at[r], b.hits_at[r], 1e-12);
    for (int r = 0; r < 2; ++r) EXPECT_NEAR(a.ndcg_at[r], b.ndcg_at[r], 1e-12);
    EXPECT_NEAR(a.reciprocal_rank, b.reciprocal_rank, 1e-12);
    EXPECT_NEAR(a.listwise_logloss, b.listwise_logloss, 1e-6);
  }
}

TEST(Auc, FloatOrderKeyMatchesFloatOrder) {
  const std::vector<float> xs = {-INFINITY, -1e30f, -2.5f, -1e-30f, -0.0f,
                                 0.0f,      1e-30f, 1.0f,  3e38f,   INFINITY};
  for (size_t i = 1; i < xs.size(); ++i) EXPECT_LE(float_order_key(xs[i - 1]), float_order_key(xs[i])) << i;
  EXPECT_EQ(float_order_key(-0.0f), float_order_key(0.0f));
}

}  // namespace
}  // namespace rgalign
