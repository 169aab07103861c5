// schema.yaml parsing: accepted forms, every rejected form with its message, and save -> load.
#include <gtest/gtest.h>

#include "rgalign/data/schema.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

const char* kGood = R"(version: 1
features:
  - name: order_status
    type: categorical
    render: "Latest order status: {}"
  - name: days
    type: numeric
    buckets: [1, 2.5, 7]
  - name: shop
    type: categorical
    hash_buckets: 100
  - name: pages
    type: multi_categorical
    max_len: 8
  - name: query
    type: text
)";

TEST(Schema, ParsesAllTypes) {
  Schema s = Schema::parse(kGood, "schema.yaml");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s.at(0).render, "Latest order status: {}");
  EXPECT_EQ(s.at(1).type, FeatureType::kNumeric);
  EXPECT_EQ(s.at(1).buckets, (std::vector<double>{1, 2.5, 7}));
  EXPECT_EQ(s.at(2).hash_buckets, 100);
  EXPECT_EQ(s.at(3).max_len, 8);
  EXPECT_EQ(s.at(4).type, FeatureType::kText);
  EXPECT_EQ(s.find("pages"), 3);
  EXPECT_EQ(s.find("nope"), -1);
}

TEST(Schema, SaveLoadRoundTrip) {
  test::TempDir dir;
  Schema s = Schema::parse(kGood, "schema.yaml");
  s.save(dir.file("schema.yaml"));
  Schema t = Schema::load(dir.file("schema.yaml"));
  EXPECT_EQ(t.to_yaml(), s.to_yaml());
  EXPECT_EQ(t.at(1).buckets, s.at(1).buckets);
}

struct BadSchemaCase {
  const char* yaml;
  const char* message;
};

class BadSchema : public ::testing::TestWithParam<BadSchemaCase> {};

TEST_P(BadSchema, ErrorNamesFileLineAndReason) {
  EXPECT_EQ(test::error_of([] { Schema::parse(GetParam().yaml, "schema.yaml"); }), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadSchema,
    ::testing::Values(
        BadSchemaCase{"features:\n  - name: a\n    type: catgorical\n",
                      "schema.yaml:3: unknown feature type \"catgorical\" "
                      "(expected categorical|numeric|multi_categorical|text)"},
        BadSchemaCase{
            "features:\n  - name: a\n    type: numeric\n    bucket: [1]\n",
            "schema.yaml:4: unknown key \"bucket\" in feature (expected name, type, buckets, hash_buckets, "
            "max_len, render, description)"},
        BadSchemaCase{"version: 1\nfeature: []\n",
                      "schema.yaml:2: unknown key \"feature\" (expected version, features)"},
        BadSchemaCase{"version: 2\nfeatures: []\n",
                      "schema.yaml:1: unsupported schema version 2 (this build reads version 1)"},
        BadSchemaCase{"features:\n  - name: a\n    type: text\n  - name: a\n    type: text\n",
                      "schema.yaml:4: duplicate feature name \"a\""},
        BadSchemaCase{"features:\n  - name: a\n    type: numeric\n    buckets: [3, 1]\n",
                      "schema.yaml:4: \"buckets\" of \"a\" must be strictly increasing"},
        BadSchemaCase{"features:\n  - name: a\n    type: text\n    buckets: [1]\n",
                      "schema.yaml:4: \"buckets\" is only valid for numeric features"},
        BadSchemaCase{"features:\n  - name: a\n    type: numeric\n    buckets: [1, x]\n",
                      "schema.yaml:4: \"buckets\" must be a number, got \"x\""},
        BadSchemaCase{"features:\n  - name: a\n    type: categorical\n    hash_buckets: 0\n",
                      "schema.yaml:4: \"hash_buckets\" must be positive"},
        BadSchemaCase{"features:\n  - name: a\n    type: text\n    render: \"no placeholder\"\n",
                      "schema.yaml:4: \"render\" of \"a\" must contain exactly one {}"},
        BadSchemaCase{"features:\n  - type: text\n", "schema.yaml:2: feature without \"name\""},
        BadSchemaCase{"features: [\n", "schema.yaml:2: invalid YAML: end of sequence flow not found"},
        BadSchemaCase{"features: []\n", "schema.yaml: \"features\" must be a non-empty list"}));

}  // namespace
}  // namespace rgalign
