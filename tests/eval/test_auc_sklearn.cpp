// Golden test: per-group and pooled AUC equal scikit-learn's roc_auc_score (tests/eval/make_auc_reference.py)
// to 1e-9, on cases with heavy ties, single-candidate, all-positive and all-negative groups.
#include <gtest/gtest.h>

#include <cmath>

#include "rgalign/common/json_util.h"
#include "rgalign/eval/auc.h"
#include "rgalign/eval/ranking_metrics.h"

namespace rgalign {
namespace {

TEST(AucGolden, MatchesScikitLearn) {
  Json ref = read_json_file(std::string(RGALIGN_TEST_DATA_DIR) + "/eval/data/auc_reference.json");
  std::vector<float> all_scores, all_labels;
  int defined = 0, undefined = 0;
  std::vector<int32_t> scratch;
  for (const auto& g : ref["groups"]) {
    auto s = g["scores"].get<std::vector<float>>();
    auto y = g["labels"].get<std::vector<float>>();
    all_scores.insert(all_scores.end(), s.begin(), s.end());
    all_labels.insert(all_labels.end(), y.begin(), y.end());
    const double ours = group_auc(s.data(), y.data(), static_cast<int64_t>(s.size()));
    const double from_stats = group_stats(s.data(), y.data(), static_cast<int32_t>(s.size()), scratch).auc;
    if (g["auc"].is_null()) {
      EXPECT_TRUE(std::isnan(ours));
      EXPECT_TRUE(std::isnan(from_stats));
      ++undefined;
    } else {
      EXPECT_NEAR(ours, g["auc"].get<double>(), 1e-9);
      EXPECT_NEAR(from_stats, g["auc"].get<double>(), 1e-9);
      ++defined;
    }
  }
  EXPECT_GT(defined, 100);
  EXPECT_GT(undefined, 100);
  EXPECT_NEAR(pooled_auc(all_scores, all_labels), ref["pooled_auc"].get<double>(), 1e-9);
}

}  // namespace
}  // namespace rgalign
