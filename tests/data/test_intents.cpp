// intents.jsonl: loading, candidate resolution by market and valid_from, and bad lines.
#include <gtest/gtest.h>

#include "rgalign/data/intents.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(Intents, CandidatesByMarketAndValidFrom) {
  test::TempDir dir;
  test::write_tiny_dataset(dir.path());
  IntentCatalog c = IntentCatalog::load(dir.file("intents.jsonl"));
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c.at(c.find("SG-2")).description, "Late parcels.");
  EXPECT_EQ(c.candidates("SG", 1999), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(c.candidates("SG", 2000), (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(c.candidates("MY", 0), (std::vector<int32_t>{3}));
  EXPECT_TRUE(c.candidates("XX", 0).empty());
}

TEST(Intents, SaveLoadRoundTrip) {
  test::TempDir dir;
  test::write_tiny_dataset(dir.path());
  IntentCatalog c = IntentCatalog::load(dir.file("intents.jsonl"));
  c.save(dir.file("copy.jsonl"));
  IntentCatalog d = IntentCatalog::load(dir.file("copy.jsonl"));
  ASSERT_EQ(d.size(), c.size());
  for (size_t i = 0; i < c.size(); ++i) EXPECT_EQ(intent_to_json_line(d.at(i)), intent_to_json_line(c.at(i)));
}

TEST(Intents, BadLinesStrictAndSkipped) {
  test::TempDir dir;
  test::write_text(dir.file("i.jsonl"), R"({"intent_id":"A","market":"SG","title":"t"}
{"intent_id":"A","market":"SG","title":"dup"}
{"intent_id":"B","market":"SG"}
not json
{"intent_id":"C","market":"SG","title":"t","valid_from":"soon"}
)");
  EXPECT_EQ(test::error_of([&] { IntentCatalog::load(dir.file("i.jsonl")); }),
            dir.file("i.jsonl") + ":2: duplicate intent_id \"A\"");
  BadInputLog log;
  IntentCatalog c = IntentCatalog::load(dir.file("i.jsonl"), BadInputPolicy::kSkipBad, &log);
  EXPECT_EQ(c.size(), 1u);
  ASSERT_EQ(log.n_bad, 4);
  EXPECT_EQ(log.messages[1], dir.file("i.jsonl") + ":3: missing field \"title\"");
  EXPECT_NE(log.messages[2].find(":4: invalid JSON"), std::string::npos) << log.messages[2];
  EXPECT_EQ(log.messages[3], dir.file("i.jsonl") + ":5: field \"valid_from\" must be an integer, got string");
}

}  // namespace
}  // namespace rgalign
