// The world's rules as a ranker: a distribution over the candidates that follows the truth up to the users'
// hidden taste, and a clear error on data it cannot read.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "rgalign/common/error.h"
#include "rgalign/data/dataset.h"
#include "rgalign/data/requests.h"
#include "rgalign/data/truth.h"
#include "rgalign/sim/rules_scorer.h"
#include "rgalign/sim/world.h"
#include "support/test_support.h"

namespace rgalign::sim {
namespace {

WorldOptions rules_world(const std::string& out) {
  WorldOptions w;
  w.out = out;
  w.seed = 9;
  w.users = 300;
  w.weeks = 2;
  w.markets = {"SG", "BR"};
  return w;
}

TEST(RulesScorer, GivesEachRequestAClickDistributionCloseToTheTruth) {
  test::TempDir dir;
  generate_world(rules_world(dir.path()));
  const Dataset data = Dataset::open(dir.path());
  const RulesScorer rules(data);
  const TruthIndex truth = TruthIndex::load(data.truth_path("test"), data.catalog());
  const auto requests = read_requests(data.split_path("test"), data.schema(), data.catalog(),
                                      BadInputPolicy::kStrict, nullptr, {});
  ASSERT_GT(requests.size(), 50u);
  size_t same_top = 0;
  for (const auto& r : requests) {
    std::vector<float> scores, probs;
    rules.score(r, scores);
    ASSERT_EQ(scores.size(), r.candidates.size());
    ASSERT_TRUE(truth.probs_for(r.request_id, r.candidates, probs));
    double total = 0;
    for (float s : scores) total += std::exp(static_cast<double>(s));
    EXPECT_NEAR(total, 1.0, 1e-4) << r.request_id;
    const auto top = [](const std::vector<float>& v) {
      return std::max_element(v.begin(), v.end()) - v.begin();
    };
    same_top += top(scores) == top(probs) ? 1 : 0;
  }
  // Taste moves each concept's logit by N(0, 0.35): the rules' favourite is usually the truth's too, and a
  // scorer that read the features wrongly (another market, another field) would rarely agree.
  EXPECT_GT(static_cast<double>(same_top), 0.6 * static_cast<double>(requests.size()));
}

TEST(RulesScorer, RefusesDataThatIsNotAnUnmodifiedWorld) {
  test::TempDir dir;
  generate_world(rules_world(dir.path()));
  std::filesystem::rename(dir.path() + "/world.json", dir.path() + "/world.json.away");
  const Dataset data = Dataset::open(dir.path());
  try {
    RulesScorer rules(data);
    FAIL() << "no world.json was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("world.json"), std::string::npos) << e.what();
  }
  std::filesystem::rename(dir.path() + "/world.json.away", dir.path() + "/world.json");
  {  // one more intent than the world has
    std::ofstream f(dir.path() + "/intents.jsonl", std::ios::app);
    f << R"({"intent_id":"SG-9999","market":"SG","title":"Extra article"})" << '\n';
  }
  const Dataset changed = Dataset::open(dir.path());
  EXPECT_THROW(RulesScorer{changed}, InputError);
}

}  // namespace
}  // namespace rgalign::sim
