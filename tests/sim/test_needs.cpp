// Need rules: the paper's example, market-relative thresholds, and rules that read only features.
#include <gtest/gtest.h>

#include <algorithm>

#include "rgalign/sim/concepts.h"
#include "rgalign/sim/needs.h"

namespace rgalign::sim {
namespace {

Observation in_transit(double days_in_status, double days_past_eta, const std::string& event) {
  Observation o = Observation::from_features({}, Schema());
  o.order_status = "to_receive";
  o.days_in_status = days_in_status;
  o.days_past_eta = days_past_eta;
  o.logistics_event = event;
  return o;
}

int top_concept(const Observation& o, const MarketProfile& m) {
  auto l = need_logits(o, m);
  return static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin());
}

TEST(Needs, StuckParcelSevenDaysInToReceiveWantsSpeedUp) {
  // The paper's example: "to receive" for 7 days with a stuck parcel -> "Speed up parcel delivery".
  const MarketProfile& sg = select_markets({"SG"})[0];
  auto probs = need_logits(in_transit(7, 4, "stuck_at_hub"), sg);
  softmax_inplace(probs);
  EXPECT_EQ(top_concept(in_transit(7, 4, "stuck_at_hub"), sg), concept_index("speed_up_delivery"));
  EXPECT_GT(probs[concept_index("speed_up_delivery")], 0.3);
}

TEST(Needs, LatenessIsRelativeToTheMarket) {
  // Two days late is a lot where delivery takes 2 days (SG), little where it takes 9 (BR).
  const auto ms = select_markets({"SG", "BR"});
  auto sg = need_logits(in_transit(4, 2, "normal"), ms[0]);
  auto br = need_logits(in_transit(4, 2, "normal"), ms[1]);
  const int speed = concept_index("speed_up_delivery");
  EXPECT_GT(sg[speed] - br[speed], 1.0);
}

TEST(Needs, OnTimeParcelWantsTracking) {
  const MarketProfile& my = select_markets({"MY"})[0];
  EXPECT_EQ(top_concept(in_transit(1, -2, "normal"), my), concept_index("where_is_parcel"));
}

TEST(Needs, PaymentDeductedButUnconfirmed) {
  Observation o = Observation::from_features({}, Schema());
  o.order_status = "to_pay";
  o.payment_status = "deducted_unconfirmed";
  o.payment_age_hours = 20;
  EXPECT_EQ(top_concept(o, select_markets({"ID"})[0]), concept_index("deducted_not_confirmed"));
}

TEST(Needs, ObservationSurvivesTheFeatureRoundTrip) {
  Schema s = world_schema();
  Observation o = in_transit(7, 4, "stuck_at_hub");
  o.recent_pages = {"tracking", "home"};
  o.last_search_query = "track order";
  Observation back = Observation::from_features(o.to_features(s), s);
  EXPECT_EQ(back.order_status, "to_receive");
  EXPECT_DOUBLE_EQ(back.days_past_eta, 4);
  EXPECT_EQ(back.recent_pages, o.recent_pages);
  EXPECT_EQ(back.last_search_query, "track order");
  const MarketProfile& sg = select_markets({"SG"})[0];
  EXPECT_EQ(need_logits(back, sg), need_logits(o, sg));
}

}  // namespace
}  // namespace rgalign::sim
