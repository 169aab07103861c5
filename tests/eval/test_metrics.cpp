// Aggregate metrics: GAUC weightings, skipped groups, bootstrap intervals, oracle, segments and JSON keys.
#include <gtest/gtest.h>

#include <cmath>

#include "rgalign/eval/bootstrap.h"
#include "rgalign/eval/metrics.h"
#include "rgalign/sim/rng.h"

namespace rgalign {
namespace {

GroupedScores three_groups() {
  GroupedScores d;
  d.add_group({3, 2, 1, 0}, {0, 1, 0, 1}, {0.1f, 0.4f, 0.1f, 0.4f}, {"market:SG"});  // auc 0.25, 2 clicks
  d.add_group({1, 0}, {1, 0}, {0.9f, 0.1f}, {"market:MY", "cold_intent"});           // auc 1, 1 click
  d.add_group({1, 2, 3}, {0, 0, 0}, {0.3f, 0.3f, 0.4f}, {"market:SG"});              // no click: skipped
  return d;
}

TEST(Metrics, GaucWeightingsAndSkippedGroups) {
  MetricsOptions opt;
  opt.bootstrap_resamples = 0;
  MetricSet m = compute_metrics(three_groups(), opt);
  EXPECT_EQ(m.n_groups, 3);
  EXPECT_EQ(m.n_groups_skipped, 1);
  EXPECT_EQ(m.n_impressions, 9);
  EXPECT_DOUBLE_EQ(m.gauc, (4 * 0.25 + 2 * 1.0) / 6);  // impression-weighted (DIN)
  EXPECT_DOUBLE_EQ(m.gauc_uniform, (0.25 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(m.gauc_click_weighted, (2 * 0.25 + 1 * 1.0) / 3);
  EXPECT_DOUBLE_EQ(m.error_rate, 1 - m.gauc);
  EXPECT_DOUBLE_EQ(m.recall_at[1], 2.0 / 3.0);  // clicked intents in the top 3: 1 of 2, 1 of 1
  EXPECT_DOUBLE_EQ(m.mrr, (0.5 + 1.0) / 2);
  EXPECT_TRUE(m.ci95.empty());
}

TEST(Metrics, OracleAndSegments) {
  MetricsOptions opt;
  opt.bootstrap_resamples = 50;
  MetricSet m = compute_metrics(three_groups(), opt);
  ASSERT_TRUE(m.oracle.has_value());
  // Truth ranks group 1's clicks on top (ties at 0.4: auc 1) and group 2's click first.
  EXPECT_DOUBLE_EQ(m.oracle->at("gauc"), 1.0);
  ASSERT_EQ(m.segments.size(), 3u);
  EXPECT_EQ(m.segments.at("market:SG").n_groups, 2);
  EXPECT_EQ(m.segments.at("market:SG").n_groups_skipped, 1);
  EXPECT_DOUBLE_EQ(m.segments.at("market:SG").gauc, 0.25);
  EXPECT_DOUBLE_EQ(m.segments.at("cold_intent").recall_at[0], 1.0);
}

TEST(Metrics, JsonHasEveryContractKey) {
  Json j = metrics_to_json(compute_metrics(three_groups()));
  for (const char* key : {"n_groups", "n_groups_skipped", "n_impressions", "gauc", "gauc_uniform",
                          "gauc_click_weighted", "auc", "logloss", "error_rate", "recall@1", "recall@3",
                          "recall@5", "ndcg@3", "ndcg@5", "mrr", "ci95", "oracle", "segments"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"gauc", "recall@3", "ndcg@3"}) {
    ASSERT_TRUE(j["ci95"].contains(key)) << key;
    EXPECT_EQ(j["ci95"][key].size(), 2u);
    EXPECT_TRUE(j["oracle"].contains(key)) << key;
  }
  EXPECT_TRUE(j["segments"]["market:MY"].contains("recall@5"));
}

TEST(Metrics, NoOracleWithoutTruth) {
  GroupedScores d;
  d.add_group({1, 0}, {1, 0});
  EXPECT_FALSE(metrics_to_json(compute_metrics(d)).contains("oracle"));
}

GroupedScores random_groups(int n, uint64_t seed) {
  sim::Rng rng(seed);
  GroupedScores d;
  for (int g = 0; g < n; ++g) {
    int size = 2 + static_cast<int>(rng.below(30));
    std::vector<float> s(size), y(size, 0.0f);
    for (auto& x : s) x = static_cast<float>(rng.normal());
    size_t click = rng.below(static_cast<uint64_t>(size));
    y[click] = 1.0f;
    s[click] += 0.8f;  // a model better than chance
    d.add_group(s, y);
  }
  return d;
}

TEST(Bootstrap, SeededDeterministicWhateverTheThreads) {
  GroupedScores d = random_groups(500, 3);
  MetricsOptions one, two;
  one.threads = 1;
  two.threads = 2;
  MetricSet a = compute_metrics(d, one), b = compute_metrics(d, two);
  EXPECT_EQ(a.ci95.at("gauc").lo, b.ci95.at("gauc").lo);
  EXPECT_EQ(a.ci95.at("recall@3").hi, b.ci95.at("recall@3").hi);
  MetricsOptions other = one;
  other.seed = 99;
  EXPECT_NE(compute_metrics(d, other).ci95.at("gauc").lo, a.ci95.at("gauc").lo);
}

TEST(Bootstrap, IntervalBracketsEstimateAndShrinksWithData) {
  MetricSet small = compute_metrics(random_groups(200, 5)), large = compute_metrics(random_groups(5000, 5));
  for (const MetricSet* m : {&small, &large}) {
    EXPECT_LT(m->ci95.at("gauc").lo, m->gauc);
    EXPECT_GT(m->ci95.at("gauc").hi, m->gauc);
    EXPECT_LT(m->ci95.at("ndcg@3").lo, m->ndcg_at[0]);
    EXPECT_GT(m->ci95.at("ndcg@3").hi, m->ndcg_at[0]);
  }
  const double w_small = small.ci95.at("gauc").hi - small.ci95.at("gauc").lo;
  const double w_large = large.ci95.at("gauc").hi - large.ci95.at("gauc").lo;
  EXPECT_LT(w_large, 0.5 * w_small);  // ~sqrt(25) = 5x narrower in expectation
}

TEST(Bootstrap, PercentileInterpolatesLikeNumpy) {
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 0.025), 1.1);
  EXPECT_TRUE(std::isnan(percentile({NAN}, 0.5)));
}

}  // namespace
}  // namespace rgalign
