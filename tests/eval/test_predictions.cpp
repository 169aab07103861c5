// Prediction files for `rgalign metrics`: parsing and every rejected form.
#include <gtest/gtest.h>

#include "rgalign/eval/predictions.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(Predictions, RoundTrip) {
  PredictionLine p;
  p.request_id = "r1";
  p.intent_ids = {"A", "B"};
  p.scores = {0.5f, -1.0f};
  p.labels = {1, 0};
  p.truth = {0.7f, 0.3f};
  p.segments = {"market:SG"};
  PredictionLine q = parse_prediction_line(prediction_to_json_line(p), "x");
  EXPECT_EQ(q.scores, p.scores);
  EXPECT_EQ(q.labels, p.labels);
  EXPECT_EQ(q.truth, p.truth);
  EXPECT_EQ(q.segments, p.segments);
  EXPECT_EQ(q.intent_ids, p.intent_ids);
}

TEST(Predictions, BadLines) {
  auto err = [](const std::string& line) {
    return test::error_of([&] { parse_prediction_line(line, "p:4"); });
  };
  EXPECT_EQ(err(R"({"scores":[1,2],"labels":[1]})"), "p:4: \"labels\" has 1 entries but \"scores\" has 2");
  EXPECT_EQ(err(R"({"scores":[],"labels":[]})"), "p:4: empty group: \"scores\" is empty");
  EXPECT_EQ(err(R"({"labels":[1]})"), "p:4: missing field \"scores\"");
  EXPECT_EQ(err(R"({"scores":[1,"x"],"labels":[1,0]})"),
            "p:4: field \"scores[1]\" must be a number, got string");
  EXPECT_EQ(err(R"({"scores":[1,2],"labels":[1,-1]})"), "p:4: \"labels[1]\" must be >= 0");
  EXPECT_EQ(err(R"({"scores":[1,2],"labels":[1,0],"truth":[1]})"),
            "p:4: \"truth\" must be as long as \"scores\"");
}

TEST(Predictions, FastAndFullParsersAgree) {
  // The first line takes the fast scanner; the escaped string and the unknown key force the full JSON parser.
  const std::string plain =
      R"({"request_id":"r1","scores":[0.5,-1.25e-3,2],"labels":[1,0,0],"segments":["a"]})";
  const std::string escaped =
      R"({"request_id":"r\u0031","scores":[0.5,-1.25e-3,2],"labels":[1,0,0],"segments":["a"]})";
  const std::string extra =
      R"({"request_id":"r1","scores":[0.5,-1.25e-3,2],"labels":[1,0,0],"segments":["a"],"x":{}})";
  PredictionLine a = parse_prediction_line(plain, "w"), b = parse_prediction_line(escaped, "w"),
                 c = parse_prediction_line(extra, "w");
  EXPECT_EQ(a.request_id, "r1");
  EXPECT_EQ(b.request_id, "r1");
  for (const PredictionLine* p : {&b, &c}) {
    EXPECT_EQ(p->scores, a.scores);
    EXPECT_EQ(p->labels, a.labels);
    EXPECT_EQ(p->segments, a.segments);
  }
  EXPECT_EQ(test::error_of([] { parse_prediction_line(R"({"scores":[1e39],"labels":[1]})", "w"); }),
            "w: field \"scores[0]\" must be finite");
}

TEST(Predictions, ReaderSkipsAndCounts) {
  test::TempDir dir;
  test::write_text(dir.file("p.jsonl"),
                   "{\"scores\":[1,0],\"labels\":[1,0]}\n{\"scores\":[1]}\n"
                   "{\"scores\":[0,1],\"labels\":[1,0]}\n");
  BadInputLog log;
  GroupedScores g = read_predictions(dir.file("p.jsonl"), BadInputPolicy::kSkipBad, &log);
  EXPECT_EQ(g.n_groups(), 2u);
  EXPECT_EQ(log.n_bad, 1);
  EXPECT_EQ(log.messages[0], dir.file("p.jsonl") + ":2: missing field \"labels\"");
  EXPECT_EQ(test::error_of([&] { read_predictions(dir.file("p.jsonl"), BadInputPolicy::kStrict, nullptr); }),
            dir.file("p.jsonl") + ":2: missing field \"labels\"");
}

}  // namespace
}  // namespace rgalign
