// Request files in both forms, and every bad-input path with its message.
#include <gtest/gtest.h>

#include "rgalign/data/dataset.h"
#include "rgalign/data/requests.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

class Requests : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_tiny_dataset(dir_.path());
    data_ = Dataset::open(dir_.path());
  }
  Request parse(const std::string& line) {
    return parse_request(line, data_.schema(), data_.catalog(), "f:7");
  }
  std::string error(const std::string& line) {
    return test::error_of([&] { parse(line); });
  }
  test::TempDir dir_;
  Dataset data_;
};

TEST_F(Requests, ClickedFormResolvesFullKbCandidates) {
  Request r = parse(R"({"request_id":"r1","user_id":"u1","ts":1500,"market":"SG",)"
                    R"("features":{"order_status":"to_receive","days_in_status":7},"clicked":["SG-2"]})");
  EXPECT_EQ(r.candidates, (std::vector<int32_t>{0, 1}));  // SG-3 is not valid before ts 2000
  EXPECT_EQ(r.labels, (std::vector<float>{0, 1}));
  EXPECT_EQ(r.features[0].str, "to_receive");
  EXPECT_DOUBLE_EQ(r.features[1].num, 7.0);
  EXPECT_TRUE(r.features[2].is_missing());
  EXPECT_FALSE(r.explicit_candidates);

  Request later = parse(R"({"request_id":"r2","ts":2500,"market":"SG","features":{},"clicked":["SG-3"]})");
  EXPECT_EQ(later.candidates.size(), 3u);
  EXPECT_EQ(later.labels[2], 1.0f);
}

TEST_F(Requests, CandidatesFormKeepsShownList) {
  Request r =
      parse(R"({"request_id":"r1","ts":1,"market":"SG","features":{"recent_pages":["home","tracking"]},)"
            R"("candidates":["SG-2","SG-1"],"labels":[0,1]})");
  EXPECT_TRUE(r.explicit_candidates);
  EXPECT_EQ(r.candidates, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(r.labels, (std::vector<float>{0, 1}));
  EXPECT_EQ(r.features[2].list, (std::vector<std::string>{"home", "tracking"}));
}

TEST_F(Requests, WriteThenReadIsIdentity) {
  for (
      const char* line :
      {R"({"request_id":"r1","user_id":"u","ts":1500,"market":"SG","features":{"order_status":"x"},"clicked":["SG-1"]})",
       R"({"request_id":"r2","user_id":"u","ts":1,"market":"SG","features":{},"candidates":["SG-2","SG-1"],"labels":[1.0,0.0]})"}) {
    Request r = parse(line);
    std::string written = request_to_json_line(r, data_.schema(), data_.catalog());
    Request back = parse(written);
    EXPECT_EQ(back.candidates, r.candidates);
    EXPECT_EQ(back.labels, r.labels);
    EXPECT_EQ(request_to_json_line(back, data_.schema(), data_.catalog()), written);
  }
}

struct BadRequestCase {
  const char* line;
  const char* message;
};

class BadRequests : public Requests, public ::testing::WithParamInterface<BadRequestCase> {};

TEST_P(BadRequests, ErrorNamesLineAndReason) {
  EXPECT_EQ(error(GetParam().line), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadRequests,
    ::testing::Values(
        BadRequestCase{
            R"({"request_id":"r1","ts":1,"market":"SG","clicked":[]} trailing)",
            "f:7: invalid JSON: parse error at line 1, column 57: syntax error while parsing value - "
            "invalid literal; last read: '\"clicked\":[]} tra'; expected end of input"},
        BadRequestCase{R"([1,2])", "f:7: expected a JSON object, got array"},
        BadRequestCase{R"({"ts":1,"market":"SG","clicked":[]})", "f:7: missing field \"request_id\""},
        BadRequestCase{R"({"request_id":"r","ts":"1","market":"SG","clicked":[]})",
                       "f:7: field \"ts\" must be an integer, got string"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG","features":{"colour":"red"},"clicked":[]})",
                       "f:7: unknown feature \"colour\" (not declared in schema.yaml)"},
        BadRequestCase{
            R"({"request_id":"r","ts":1,"market":"SG","features":{"days_in_status":"7"},"clicked":[]})",
            "f:7: feature \"days_in_status\" (numeric) must be a number, got string"},
        BadRequestCase{
            R"({"request_id":"r","ts":1,"market":"SG","features":{"recent_pages":"home"},"clicked":[]})",
            "f:7: feature \"recent_pages\" (multi_categorical) must be an array of strings, got string"},
        BadRequestCase{
            R"({"request_id":"r","ts":1,"market":"SG","features":{"order_status":[1]},"clicked":[]})",
            "f:7: feature \"order_status\" (categorical) must be a string or an integer, got array"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG","features":[],"clicked":[]})",
                       "f:7: \"features\" must be an object, got array"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG","clicked":["SG-99"]})",
                       "f:7: unknown intent id \"SG-99\" in \"clicked\" (not in intents.jsonl)"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG","clicked":["MY-1"]})",
                       "f:7: clicked intent \"MY-1\" belongs to market MY, request is SG"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG","clicked":["SG-3"]})",
                       "f:7: clicked intent \"SG-3\" is not valid yet at ts 1 (valid_from 2000)"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"XX","clicked":[]})",
                       "f:7: empty candidate set: unknown market \"XX\" (no intent has this market)"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG","candidates":[],"labels":[]})",
                       "f:7: empty candidate set: \"candidates\" is empty"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG","candidates":["SG-1","SG-2"],"labels":[1]})",
                       "f:7: \"labels\" has 1 entries but \"candidates\" has 2"},
        BadRequestCase{
            R"({"request_id":"r","ts":1,"market":"SG","candidates":["SG-1","SG-7"],"labels":[1,0]})",
            "f:7: unknown intent id \"SG-7\" in \"candidates\" (not in intents.jsonl)"},
        BadRequestCase{
            R"({"request_id":"r","ts":1,"market":"SG","candidates":["SG-1","SG-1"],"labels":[1,0]})",
            "f:7: intent \"SG-1\" appears twice in \"candidates\""},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG","candidates":["SG-1"],"labels":[-1]})",
                       "f:7: \"labels[0]\" must be >= 0"},
        BadRequestCase{R"({"request_id":"r","ts":1,"market":"SG"})",
                       "f:7: missing field \"clicked\" (or \"candidates\" + \"labels\")"},
        BadRequestCase{
            R"({"request_id":"r","ts":1,"market":"SG","clicked":[],"candidates":["SG-1"],"labels":[1]})",
            "f:7: both \"clicked\" and \"candidates\" given (use one form per line)"}));

TEST_F(Requests, EmptyCandidateSetWhenNothingValidYet) {
  test::write_text(dir_.file("intents2.jsonl"),
                   R"({"intent_id":"Z-1","market":"ZZ","title":"t","valid_from":100})");
  IntentCatalog c = IntentCatalog::load(dir_.file("intents2.jsonl"));
  std::string msg = test::error_of([&] {
    parse_request(R"({"request_id":"r","ts":5,"market":"ZZ","clicked":[]})", data_.schema(), c, "f:2");
  });
  EXPECT_EQ(msg, "f:2: empty candidate set: no intent of market \"ZZ\" is valid at ts 5");
}

TEST_F(Requests, ReaderStrictFailsSkipBadCountsAndReports) {
  const std::string path = dir_.file("train.jsonl");
  test::write_text(path, R"({"request_id":"a","ts":1,"market":"SG","clicked":["SG-1"]}

{"request_id":"b","ts":1,"market":"SG","clicked":["SG-9"]}
{"request_id":"c","ts":1,"market":"SG","clicked":["SG-2"]}
{broken
)");
  EXPECT_EQ(
      test::error_of([&] { read_requests(path, data_.schema(), data_.catalog(), BadInputPolicy::kStrict); }),
      path + ":3: unknown intent id \"SG-9\" in \"clicked\" (not in intents.jsonl)");
  BadInputLog log;
  auto rs = read_requests(path, data_.schema(), data_.catalog(), BadInputPolicy::kSkipBad, &log);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].request_id, "a");
  EXPECT_EQ(rs[1].request_id, "c");
  EXPECT_EQ(rs[1].line, 4);
  EXPECT_EQ(log.n_bad, 2);
  EXPECT_EQ(log.messages[0], path + ":3: unknown intent id \"SG-9\" in \"clicked\" (not in intents.jsonl)");
  EXPECT_EQ(log.messages[1].rfind(path + ":5: invalid JSON", 0), 0u) << log.messages[1];
}

TEST_F(Requests, SplitNamesCannotEscapeTheDataset) {
  EXPECT_EQ(test::error_of([&] { data_.split_path("../etc/passwd"); }),
            "--split: invalid split name \"../etc/passwd\" (letters, digits, _ and - only)");
}

}  // namespace
}  // namespace rgalign
