// Hashed bag of words: unigrams and bigrams, deterministic ids, padding.
#include <gtest/gtest.h>

#include "rgalign/rank/text_bow.h"

namespace rgalign {
namespace {

TEST(TextBow, UnigramsAndBigramsHashedDeterministically) {
  TextBowOptions opt;
  opt.buckets = 1000;
  auto a = text_bow_ids("Speed up delivery", opt);
  ASSERT_EQ(a.size(), 5u);  // speed, speed up, up, up delivery, delivery
  EXPECT_EQ(a, text_bow_ids("speed UP delivery!", opt));
  for (int64_t id : a) {
    EXPECT_GE(id, 1);
    EXPECT_LE(id, 1000);
  }
  EXPECT_EQ(text_bow_ids("delivery", opt)[0], a[4]);
  opt.max_terms = 2;
  EXPECT_EQ(text_bow_ids("Speed up delivery", opt).size(), 2u);
}

TEST(TextBow, PaddingAndMask) {
  std::vector<int64_t> ids;
  std::vector<float> mask;
  EXPECT_EQ(pad_bow({{4, 5, 6}, {7}}, ids, mask), 3);
  EXPECT_EQ(ids, (std::vector<int64_t>{4, 5, 6, 7, 0, 0}));
  EXPECT_EQ(mask, (std::vector<float>{1, 1, 1, 1, 0, 0}));
}

}  // namespace
}  // namespace rgalign
