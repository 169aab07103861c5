// Prompt rendering: the exact prompt for a sample request is pinned, so any change to it is deliberate.
#include <gtest/gtest.h>

#include "rgalign/data/dataset.h"
#include "rgalign/data/prompt.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(Prompt, PinnedForASampleRequest) {
  test::TempDir dir;
  test::write_tiny_dataset(dir.path());
  Dataset d = Dataset::open(dir.path());
  Request r = parse_request(
      R"({"request_id":"r1","ts":1,"market":"SG","features":{"order_status":"to_receive","days_in_status":7,)"
      R"("recent_pages":["order_detail","tracking"]},"clicked":[]})",
      d.schema(), d.catalog(), "t");
  EXPECT_EQ(
      render_prompt(r, d.schema()),
      "A shopper has just opened the customer-service chat and has not typed anything yet. From what the "
      "platform knows about them, write the question they most likely want to ask.\n"
      "Market: SG\n"
      "- Latest order status: to receive\n"
      "- Days in status: 7\n"
      "- Recent pages: order detail, tracking\n"
      "Question the shopper most likely wants to ask:");
}

TEST(Prompt, ValuesAndMissingFeatures) {
  EXPECT_EQ(render_value(FeatureValue::of_number(4.5)), "4.5");
  EXPECT_EQ(render_value(FeatureValue::of_number(-0.0)), "0");
  EXPECT_EQ(render_value(FeatureValue::of_number(3.14159)), "3.14");
  EXPECT_EQ(render_value(FeatureValue::of_list({})), "none");
  Schema s = Schema::parse("features:\n  - name: a\n    type: text\n  - name: b\n    type: numeric\n", "s");
  Request r;
  r.market = "MY";
  r.features = {FeatureValue::missing(), FeatureValue::of_number(2)};
  EXPECT_EQ(render_features(r, s), "- b: 2\n");  // no template: "name: value"; missing features left out
}

}  // namespace
}  // namespace rgalign
