// Feature encoding: vocabularies with OOV, hash buckets, numeric buckets, padded multi-valued fields, and the
// saved encoder reproducing identical ids.
#include <gtest/gtest.h>

#include "rgalign/data/requests.h"
#include "rgalign/rank/feature_encoder.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

const char* kSchema = R"(version: 1
features:
  - name: status
    type: categorical
  - name: shop
    type: categorical
    hash_buckets: 10
  - name: days
    type: numeric
    buckets: [1, 3, 7]
  - name: value
    type: numeric
  - name: pages
    type: multi_categorical
    max_len: 3
  - name: query
    type: text
    max_len: 2
)";

Request req(const Schema& s, const std::string& features_json) {
  Request r;
  r.features.assign(s.size(), FeatureValue::missing());
  Json f = parse_json(features_json, "t");
  for (auto it = f.begin(); it != f.end(); ++it) {
    int i = s.find(it.key());
    r.features[i] = feature_value_from_json(it.value(), s.at(i).type, it.key(), "t");
  }
  return r;
}

class Encoder : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = Schema::parse(kSchema, "schema.yaml");
    for (int i = 0; i < 10; ++i)
      train_.push_back(req(schema_, R"({"status":"to_receive","shop":"s1","days":)" + std::to_string(i) +
                                        R"(,"value":)" + std::to_string(i * 10) +
                                        R"(,"pages":["home","cart"]})"));
    train_.push_back(req(schema_, R"({"status":"rare"})"));
    enc_ = FeatureEncoder::fit(schema_, train_, EncoderOptions{2, 4, 8, 64});
  }
  struct Ids {
    std::vector<int64_t> single, multi;
    std::vector<float> mask;
  };
  Ids encode(const Request& r, const FeatureEncoder& e) {
    Ids ids{std::vector<int64_t>(e.n_single()), std::vector<int64_t>(e.n_multi() * e.max_len()),
            std::vector<float>(e.n_multi() * e.max_len())};
    e.encode(r, ids.single.data(), ids.multi.data(), ids.mask.data());
    return ids;
  }
  Schema schema_;
  std::vector<Request> train_;
  FeatureEncoder enc_;
};

TEST_F(Encoder, LayoutAndCardinalities) {
  EXPECT_EQ(enc_.n_single(), 4u);
  EXPECT_EQ(enc_.n_multi(), 2u);
  EXPECT_EQ(enc_.max_len(), 3);
  // status: missing, OOV, to_receive ("rare" is below min_count); shop: 2 + 10 hash buckets;
  // days: 2 + 4 declared buckets; value: 2 + quantile buckets.
  auto card = enc_.single_cardinalities();
  EXPECT_EQ(card[0], 3);
  EXPECT_EQ(card[1], 12);
  EXPECT_EQ(card[2], 6);
  EXPECT_EQ(card[3], 2 + 4);  // 3 quantile boundaries at q = 1/4, 2/4, 3/4 -> 4 buckets
}

TEST_F(Encoder, StatisticsOfShardsMergeToTheWholeSplitsEncoder) {
  // Two ranks' shards (odd and even rows), merged through their byte form as a distributed fit does it.
  std::vector<Request> a, b;
  for (size_t i = 0; i < train_.size(); ++i) (i % 2 ? b : a).push_back(train_[i]);
  EncoderStats merged = EncoderStats::from_bytes(EncoderStats::collect(schema_, a).to_bytes());
  merged.merge(EncoderStats::from_bytes(EncoderStats::collect(schema_, b).to_bytes()));
  const FeatureEncoder sharded = FeatureEncoder::fit(schema_, merged, EncoderOptions{2, 4, 8, 64});
  EXPECT_EQ(sharded.to_json(), enc_.to_json());
  // A shard alone is a different encoder ("to_receive" counts and the quantiles differ), so the check bites.
  EXPECT_NE(
      FeatureEncoder::fit(schema_, EncoderStats::collect(schema_, b), EncoderOptions{2, 4, 8, 64}).to_json(),
      enc_.to_json());
}

TEST_F(Encoder, UnseenValuesMapToOovMissingToZero) {
  Ids a = encode(req(schema_, R"({"status":"to_receive","days":0.5,"pages":["home","never-seen"]})"), enc_);
  EXPECT_EQ(a.single[0], 2);                         // the only vocabulary entry
  EXPECT_EQ(a.single[1], FeatureEncoder::kMissing);  // absent
  EXPECT_EQ(a.single[2], 2);                         // days < 1: first bucket
  EXPECT_EQ(a.multi[0], 3);                          // "home" (vocabulary: cart=2, home=3)
  EXPECT_EQ(a.multi[1], FeatureEncoder::kOov);
  EXPECT_EQ(a.multi[2], FeatureEncoder::kMissing);  // padding
  EXPECT_EQ(a.mask[0] + a.mask[1] + a.mask[2], 2.0f);
  Ids b = encode(req(schema_, R"({"status":"brand-new","days":100})"), enc_);
  EXPECT_EQ(b.single[0], FeatureEncoder::kOov);
  EXPECT_EQ(b.single[2], 5);  // days >= 7: last bucket
}

TEST_F(Encoder, TextIsHashedWordsCappedAtMaxLen) {
  Ids a = encode(req(schema_, R"({"query":"Track my ORDER please"})"), enc_);
  const int L = enc_.max_len();
  EXPECT_EQ(a.mask[L + 0] + a.mask[L + 1] + a.mask[L + 2], 2.0f);  // max_len 2 of 4 words
  Ids b = encode(req(schema_, R"({"query":"track MY"})"), enc_);
  EXPECT_EQ(a.multi[L], b.multi[L]);  // case-insensitive
  EXPECT_EQ(text_words("Hello, world-2!"), (std::vector<std::string>{"hello", "world", "2"}));
}

TEST_F(Encoder, SavedEncoderEncodesIdentically) {
  FeatureEncoder back =
      FeatureEncoder::from_json(parse_json(enc_.to_json().dump(), "e"), schema_, "encoder.json");
  for (const char* f :
       {R"({"status":"to_receive","shop":"s9","days":4,"value":35,"pages":["cart"],"query":"x y"})",
        R"({"status":"rare","value":-1})"}) {
    Ids a = encode(req(schema_, f), enc_), b = encode(req(schema_, f), back);
    EXPECT_EQ(a.single, b.single);
    EXPECT_EQ(a.multi, b.multi);
    EXPECT_EQ(a.mask, b.mask);
  }
}

TEST_F(Encoder, SchemaMismatchIsReported) {
  Schema other = Schema::parse("features:\n  - name: status\n    type: text\n", "s");
  EXPECT_EQ(test::error_of([&] { FeatureEncoder::from_json(enc_.to_json(), other, "encoder.json"); }),
            "encoder.json: encoder has 6 fields but the dataset schema has 1 (the model was trained on "
            "another schema)");
}

}  // namespace
}  // namespace rgalign
