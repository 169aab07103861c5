// The popularity baseline: smoothed per-market frequencies, save -> load -> identical scores.
#include <gtest/gtest.h>

#include <cmath>

#include "rgalign/data/requests.h"
#include "rgalign/rank/popularity.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

class Popularity : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_tiny_dataset(dir_.path());
    test::write_text(dir_.file("train.jsonl"), R"({"request_id":"a","ts":1,"market":"SG","clicked":["SG-2"]}
{"request_id":"b","ts":1,"market":"SG","clicked":["SG-2"]}
{"request_id":"c","ts":1,"market":"SG","clicked":["SG-1"]}
{"request_id":"d","ts":1,"market":"MY","clicked":["MY-1"]}
)");
    data_ = Dataset::open(dir_.path());
  }
  test::TempDir dir_;
  Dataset data_;
};

TEST_F(Popularity, SmoothedLogFrequencies) {
  BadInputLog log;
  PopularityModel m =
      PopularityModel::fit(data_, dir_.file("train.jsonl"), 1.0, BadInputPolicy::kStrict, &log);
  Request r = parse_request(R"({"request_id":"t","ts":3000,"market":"SG","clicked":["SG-3"]})",
                            data_.schema(), data_.catalog(), "t");
  std::vector<float> s;
  m.score(r, s);
  // SG: 3 clicks, 3 intents: (c + 1) / (3 + 3).
  ASSERT_EQ(s.size(), 3u);
  EXPECT_FLOAT_EQ(s[0], std::log(2.0f / 6));
  EXPECT_FLOAT_EQ(s[1], std::log(3.0f / 6));
  EXPECT_FLOAT_EQ(s[2], std::log(1.0f / 6));  // cold intent: smoothing only
}

TEST_F(Popularity, SaveLoadGivesIdenticalScores) {
  BadInputLog log;
  PopularityModel m =
      PopularityModel::fit(data_, dir_.file("train.jsonl"), 0.5, BadInputPolicy::kStrict, &log);
  m.save(dir_.file("model.json"));
  PopularityModel back = PopularityModel::load(dir_.file("model.json"), data_);
  Request r = parse_request(R"({"request_id":"t","ts":3000,"market":"SG","clicked":[]})", data_.schema(),
                            data_.catalog(), "t");
  std::vector<float> a, b;
  m.score(r, a);
  back.score(r, b);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace rgalign
