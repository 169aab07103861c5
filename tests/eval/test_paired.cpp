// Paired comparison: the point difference equals the difference of the two models' metrics, identical models
// differ by exactly zero, a uniformly better model has an interval above zero, and pairing gives a tighter
// interval than the two separate intervals suggest.
#include <gtest/gtest.h>

#include "rgalign/eval/metrics.h"
#include "rgalign/eval/paired.h"
#include "rgalign/sim/rng.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

// Two models on the same 400 noisy groups; `better` moves the clicked candidate up by `lift` in every group.
void two_models(double lift, GroupedScores& a, GroupedScores& b) {
  sim::Rng rng(7);
  for (int g = 0; g < 400; ++g) {
    std::vector<float> s(6), y(6, 0.0f), s2(6);
    const int clicked = static_cast<int>(rng.uniform() * 6) % 6;
    y[static_cast<size_t>(clicked)] = 1;
    for (int k = 0; k < 6; ++k) {
      s[static_cast<size_t>(k)] = static_cast<float>(rng.normal());
      s2[static_cast<size_t>(k)] =
          s[static_cast<size_t>(k)] + (k == clicked ? static_cast<float>(lift) : 0.0f);
    }
    const std::vector<std::string> seg = {g % 2 ? "market:SG" : "market:MY"};
    a.add_group(s, y, {}, seg);
    b.add_group(s2, y, {}, seg);
  }
}

MetricsOptions options() {
  MetricsOptions o;
  o.bootstrap_resamples = 300;
  o.seed = 3;
  return o;
}

TEST(Paired, IdenticalModelsDifferByExactlyZero) {
  GroupedScores a, b;
  two_models(0.0, a, b);
  Json d = paired_comparison(a, b, options());
  for (const char* k : {"gauc", "recall@3", "ndcg@3"}) {
    EXPECT_EQ(d[k]["diff"].get<double>(), 0.0) << k;
    EXPECT_EQ(d[k]["ci95"][0].get<double>(), 0.0) << k;
    EXPECT_EQ(d[k]["ci95"][1].get<double>(), 0.0) << k;
  }
  EXPECT_TRUE(d["segments"].contains("market:SG"));
}

TEST(Paired, ABetterModelHasAnIntervalAboveZeroAndTighterThanSeparateOnes) {
  GroupedScores a, b;
  two_models(0.4, a, b);
  const MetricsOptions o = options();
  Json d = paired_comparison(a, b, o);
  MetricSet ma = compute_metrics(a, o), mb = compute_metrics(b, o);
  EXPECT_NEAR(d["gauc"]["diff"].get<double>(), mb.gauc - ma.gauc, 1e-6);
  EXPECT_NEAR(d["recall@3"]["diff"].get<double>(), mb.recall_at[1] - ma.recall_at[1], 1e-6);
  EXPECT_GT(d["gauc"]["ci95"][0].get<double>(), 0.0);
  EXPECT_LE(d["gauc"]["ci95"][0].get<double>(), d["gauc"]["diff"].get<double>());
  EXPECT_GE(d["gauc"]["ci95"][1].get<double>(), d["gauc"]["diff"].get<double>());
  const double paired_width = d["gauc"]["ci95"][1].get<double>() - d["gauc"]["ci95"][0].get<double>();
  const double separate_width =
      (ma.ci95["gauc"].hi - ma.ci95["gauc"].lo) + (mb.ci95["gauc"].hi - mb.ci95["gauc"].lo);
  EXPECT_LT(paired_width, separate_width / 2);
}

TEST(Paired, DifferentRequestsAreRefused) {
  GroupedScores a, b, c;
  two_models(0.1, a, b);
  c.add_group({1, 2}, {0, 1});
  EXPECT_EQ(test::error_of([&] { paired_comparison(a, c, options()); }),
            "paired comparison: the two models were not scored on the same requests and labels");
}

}  // namespace
}  // namespace rgalign
