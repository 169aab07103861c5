// Simulated teachers: read only features, seeded, temperature-driven, of different competence.
#include <gtest/gtest.h>

#include <set>

#include "rgalign/sim/teachers.h"

namespace rgalign::sim {
namespace {

std::vector<FeatureValue> stuck_parcel(const Schema& s) {
  Observation o = Observation::from_features({}, s);
  o.order_status = "to_receive";
  o.days_in_status = 9;
  o.days_past_eta = 5;
  o.logistics_event = "stuck_at_hub";
  return o.to_features(s);
}

std::vector<FeatureValue> failed_payment(const Schema& s) {
  Observation o = Observation::from_features({}, s);
  o.order_status = "to_pay";
  o.days_in_status = 0.1;
  o.payment_status = "failed";
  o.n_failed_payments_7d = 2;
  return o.to_features(s);
}

TEST(Teachers, ThreeTeachersOfDifferentCompetence) {
  Schema s = world_schema();
  auto ts = default_teachers();
  ASSERT_GE(ts.size(), 3u);
  Rng rng(1);
  const std::string logistics = ts[0].generate(stuck_parcel(s), s, "SG", 0.0, rng);
  EXPECT_NE(logistics.find("speed up the delivery"), std::string::npos) << logistics;
  EXPECT_NE(logistics.find("stuck at hub"), std::string::npos) << logistics;
  // The need first, the evidence after: a text cut to the student's latent-query length keeps the need.
  EXPECT_LT(logistics.find("speed up the delivery"), logistics.find("stuck at hub")) << logistics;
  const std::string payments = ts[1].generate(failed_payment(s), s, "SG", 0.0, rng);
  EXPECT_NE(payments.find("fix a failed payment"), std::string::npos) << payments;
  // The logistics expert does not know what a failed payment means; it does not name that need.
  const std::string outsider = ts[0].generate(failed_payment(s), s, "SG", 0.0, rng);
  EXPECT_EQ(outsider.find("fix a failed payment"), std::string::npos) << outsider;
  // The generalist is verbose.
  const std::string verbose = ts[2].generate(stuck_parcel(s), s, "SG", 0.0, rng);
  EXPECT_GT(verbose.size(), logistics.size());
  EXPECT_LT(verbose.find("would like to"), verbose.find("recent activity")) << verbose;
}

TEST(Teachers, SeededAndTemperatureMakesSamplesDiffer) {
  Schema s = world_schema();
  const auto ts = default_teachers();
  Rng a(42), b(42);
  EXPECT_EQ(ts[2].generate(stuck_parcel(s), s, "PH", 1.0, a),
            ts[2].generate(stuck_parcel(s), s, "PH", 1.0, b));
  std::set<std::string> hot, cold;
  Rng r(7);
  for (int i = 0; i < 20; ++i) {
    hot.insert(ts[2].generate(stuck_parcel(s), s, "PH", 2.0, r));
    cold.insert(ts[0].generate(stuck_parcel(s), s, "PH", 0.0, r));
  }
  EXPECT_GE(hot.size(), 3u);
  EXPECT_LE(cold.size(), 3u);  // only the opener varies at temperature 0
}

TEST(Teachers, MarketWordingReachesTheText) {
  Schema s = world_schema();
  Rng rng(3);
  const std::string t = default_teachers()[0].generate(stuck_parcel(s), s, "PH", 0.0, rng);
  EXPECT_NE(t.find("package"), std::string::npos) << t;
}

}  // namespace
}  // namespace rgalign::sim
