// Sampled-candidate listwise training: which columns a row keeps, that the sample is uniform and keyed by the
// row, and what the gathered batch holds.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "rgalign/rank/candidate_sampling.h"
#include "rgalign/rank/losses.h"

namespace rgalign {
namespace {

// Rows of `counts[r]` real candidates (ids 100 * r + c) padded to the longest; row r's click at column
// clicked[r] (-1: no click).
RankBatch batch_of(const std::vector<int64_t>& counts, const std::vector<int64_t>& clicked) {
  const auto B = static_cast<int64_t>(counts.size());
  const int64_t C = *std::max_element(counts.begin(), counts.end());
  RankBatch b;
  b.cand = torch::zeros({B, C}, torch::kInt64);
  b.cand_mask = torch::zeros({B, C}, torch::kBool);
  b.labels = torch::zeros({B, C}, torch::kFloat32);
  for (int64_t r = 0; r < B; ++r) {
    for (int64_t c = 0; c < counts[static_cast<size_t>(r)]; ++c) {
      b.cand[r][c] = 100 * r + c;
      b.cand_mask[r][c] = true;
    }
    if (clicked[static_cast<size_t>(r)] >= 0) b.labels[r][clicked[static_cast<size_t>(r)]] = 1.0f;
  }
  b.single = torch::zeros({B, 1}, torch::kInt64);
  return b;
}

TEST(CandidateSampling, KeepsTheClickedThenDistinctRealCandidates) {
  RankBatch b = batch_of({30, 5, 30}, {17, 2, -1});
  const CandidateColumns c = sample_candidate_columns(b, 8, {0, 1, 2}, 7);
  ASSERT_EQ(c.cols.sizes(), (std::vector<int64_t>{3, 8}));
  EXPECT_EQ(c.cols[0][0].item<int64_t>(), 17);  // the clicked column first
  EXPECT_EQ(c.cols[1][0].item<int64_t>(), 2);
  for (int64_t r = 0; r < 3; ++r) {
    std::set<int64_t> seen;
    for (int64_t k = 0; k < 8; ++k) {
      if (!c.mask[r][k].item<bool>()) continue;
      const int64_t col = c.cols[r][k].item<int64_t>();
      EXPECT_TRUE(b.cand_mask[r][col].item<bool>()) << r << " " << col;
      EXPECT_TRUE(seen.insert(col).second) << "column " << col << " twice in row " << r;
    }
    EXPECT_EQ(static_cast<int64_t>(seen.size()), r == 1 ? 5 : 8);  // a short row keeps all it has
  }
  RankBatch s = select_candidate_columns(b, c);
  EXPECT_EQ(s.cand.size(1), 8);
  EXPECT_EQ(s.cand[0][0].item<int64_t>(), 17);
  EXPECT_EQ(s.labels[0][0].item<float>(), 1.0f);
  EXPECT_EQ(s.labels.sum().item<float>(), 2.0f);  // both clicks kept, nothing else labelled
  EXPECT_EQ(s.cand_mask[1].sum().item<int64_t>(), 5);
  for (int64_t k = 0; k < 8; ++k)
    if (s.cand_mask[2][k].item<bool>()) EXPECT_EQ(s.cand[2][k].item<int64_t>() / 100, 2);
}

TEST(CandidateSampling, ARowsSampleDependsOnItsKeyNotItsPlaceInTheBatch) {
  RankBatch ab = batch_of({40, 40}, {3, 9});
  RankBatch ba = batch_of({40, 40}, {9, 3});  // the same two rows, swapped
  const CandidateColumns x = sample_candidate_columns(ab, 6, {11, 12}, 3);
  const CandidateColumns y = sample_candidate_columns(ba, 6, {12, 11}, 3);
  EXPECT_TRUE(torch::equal(x.cols[0], y.cols[1]));
  EXPECT_TRUE(torch::equal(x.cols[1], y.cols[0]));
  const CandidateColumns other_seed = sample_candidate_columns(ab, 6, {11, 12}, 4);
  EXPECT_FALSE(torch::equal(x.cols, other_seed.cols));
  const CandidateColumns other_key = sample_candidate_columns(ab, 6, {13, 12}, 3);
  EXPECT_FALSE(torch::equal(x.cols[0], other_key.cols[0]));
  EXPECT_TRUE(torch::equal(x.cols[1], other_key.cols[1]));
}

TEST(CandidateSampling, EveryOtherCandidateIsEquallyLikelyToBeKept) {
  // 20 candidates, click at 0, 5 kept: each of the 19 others is kept with probability 4/19.
  RankBatch b = batch_of({20}, {0});
  std::map<int64_t, int> kept;
  const int draws = 19000;
  for (int d = 0; d < draws; ++d) {
    const CandidateColumns c = sample_candidate_columns(b, 5, {d}, 1);
    for (int64_t k = 1; k < 5; ++k) ++kept[c.cols[0][k].item<int64_t>()];
  }
  ASSERT_EQ(kept.size(), 19u);
  EXPECT_EQ(kept.count(0), 0u);
  const double expected = draws * 4.0 / 19.0;  // 4000; binomial sd ~ 56
  for (auto [col, n] : kept) EXPECT_NEAR(n, expected, 250) << "column " << col;
}

TEST(CandidateSampling, KeepingEveryColumnGivesTheFullListwiseLoss) {
  RankBatch b = batch_of({12, 9, 12}, {4, 8, 0});
  torch::manual_seed(0);
  auto logits = torch::randn({3, 12});  // a score per candidate id, by column
  const CandidateColumns all = sample_candidate_columns(b, 100, {0, 1, 2}, 5);
  EXPECT_EQ(all.cols.size(1), 12);
  RankBatch s = select_candidate_columns(b, all);
  const double full = listnet_loss(logits, b.labels, b.cand_mask).item<double>();
  const double sampled = listnet_loss(logits.gather(1, all.cols), s.labels, s.cand_mask).item<double>();
  EXPECT_NEAR(sampled, full, 1e-5);
  // Fewer candidates, fewer competitors: a smaller loss for the same scores.
  const CandidateColumns few = sample_candidate_columns(b, 4, {0, 1, 2}, 5);
  RankBatch f = select_candidate_columns(b, few);
  EXPECT_LT(listnet_loss(logits.gather(1, few.cols), f.labels, f.cand_mask).item<double>(), full);
}

}  // namespace
}  // namespace rgalign
