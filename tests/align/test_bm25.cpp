// BM25 retrieval and the KB teacher.
#include <gtest/gtest.h>

#include <cmath>

#include "rgalign/align/bm25.h"

namespace rgalign {
namespace {

TEST(Bm25, TermsAreLowercasedWithoutStopwords) {
  EXPECT_EQ(bm25_terms("Where is MY parcel? Refund-status"),
            (std::vector<std::string>{"where", "parcel", "refund", "status"}));
}

TEST(Bm25, ScoreMatchesTheFormulaByHand) {
  Bm25Index idx({"parcel delayed parcel", "refund request", "parcel refund"}, 1.2, 0.75);
  // "parcel" is in 2 of 3 documents: idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)); doc 0 has tf 2, length 3,
  // average length 7/3.
  const double idf = std::log(1 + 1.5 / 2.5);
  const double norm = 1.2 * (1 - 0.75 + 0.75 * 3 / (7.0 / 3));
  EXPECT_NEAR(idx.score({"parcel"}, 0), idf * 2 * 2.2 / (2 + norm), 1e-12);
  EXPECT_EQ(idx.score({"missing"}, 0), 0.0);
}

TEST(Bm25, TopRanksByScoreWithinTheGivenDocuments) {
  Bm25Index idx({"track my parcel delivery", "request a refund", "parcel refund status", "change password"});
  EXPECT_EQ(idx.top("my parcel is late, where is the delivery", {}, 2), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(idx.top("refund", {1, 2, 3}, 1), (std::vector<size_t>{1}));
  // Ties (no matching term) keep the order given.
  EXPECT_EQ(idx.top("nothing here", {3, 1}, 2), (std::vector<size_t>{3, 1}));
}

}  // namespace
}  // namespace rgalign
