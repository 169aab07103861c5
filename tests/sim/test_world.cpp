// The simulated world end to end: contract conformance, determinism, splits, truth, cold intents.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "rgalign/common/hash.h"
#include "rgalign/common/json_util.h"
#include "rgalign/data/dataset.h"
#include "rgalign/data/requests.h"
#include "rgalign/data/truth.h"
#include "rgalign/sim/observation.h"
#include "rgalign/sim/world.h"
#include "support/test_support.h"

namespace rgalign::sim {
namespace {

WorldOptions small_world(const std::string& out, uint64_t seed = 5) {
  WorldOptions w;
  w.out = out;
  w.seed = seed;
  w.users = 400;
  w.weeks = 3;
  w.markets = {"SG", "BR", "PH"};
  w.cold_intents = 2;
  return w;
}

std::string digest(const std::string& dir) {
  std::string all;
  for (const char* f : {"schema.yaml", "intents.jsonl", "train.jsonl", "valid.jsonl", "test.jsonl",
                        "truth/train.jsonl", "truth/test.jsonl", "world.json"})
    all += sha256_file(dir + "/" + f);
  return all;
}

TEST(World, SameSeedSameBytesOtherSeedOtherBytes) {
  test::TempDir a, b, c;
  generate_world(small_world(a.path()));
  generate_world(small_world(b.path()));
  generate_world(small_world(c.path(), 6));
  EXPECT_EQ(digest(a.path()), digest(b.path()));
  EXPECT_NE(digest(a.path()), digest(c.path()));
}

TEST(World, SchemaHasFortyFeaturesOfAllTypesWithTemplates) {
  Schema s = world_schema();
  EXPECT_GE(s.size(), 40u);
  std::set<FeatureType> types;
  for (const auto& f : s.features()) {
    types.insert(f.type);
    EXPECT_NE(f.render.find("{}"), std::string::npos) << f.name;
  }
  EXPECT_EQ(types.size(), 4u);
}

TEST(World, FilesFollowTheContractAndTruthIsAligned) {
  test::TempDir dir;
  WorldSummary sum = generate_world(small_world(dir.path()));
  EXPECT_GT(sum.n_train, 500);
  EXPECT_GT(sum.n_valid, 20);
  EXPECT_GT(sum.n_test, 50);
  Dataset d = Dataset::open(dir.path());  // strict: any contract violation throws
  const int64_t test_from = kWorldEpoch + 14 * 86400;
  std::set<std::string> users_in_test;
  int64_t launched_clicks = 0;  // training clicks on articles launched after the first week
  for (const char* split : {"train", "valid", "test"}) {
    TruthIndex truth = TruthIndex::load(d.truth_path(split), d.catalog());
    auto reqs = read_requests(d.split_path(split), d.schema(), d.catalog(), BadInputPolicy::kStrict);
    ASSERT_EQ(reqs.size(), truth.size());
    for (const auto& r : reqs) {
      EXPECT_EQ(std::string(split) == "test", r.ts >= test_from) << r.request_id;
      std::vector<float> p;
      ASSERT_TRUE(truth.probs_for(r.request_id, r.candidates, p));
      double sum_p = 0;
      for (float x : p) sum_p += x;
      EXPECT_NEAR(sum_p, 1.0, 1e-4);
      float clicks = 0;
      for (size_t k = 0; k < r.candidates.size(); ++k) {
        clicks += r.labels[k];
        // Launched articles are candidates from their launch on; cold ones (launched at the test week's
        // start) only in the test week.
        const int64_t launch = d.catalog().at(r.candidates[k]).valid_from;
        EXPECT_LE(launch, r.ts);
        if (launch >= test_from) EXPECT_EQ(std::string(split), "test");
        if (launch > 0 && launch < test_from && r.labels[k] > 0 && std::string(split) == "train")
          ++launched_clicks;
      }
      EXPECT_EQ(clicks, 1.0f);
    }
  }
  // The training weeks show what a new article draws, so a ranker can learn it from the text.
  EXPECT_GT(launched_clicks, 0);
}

TEST(World, ClickedIntentsFollowTheirNeeds) {
  // The truth must concentrate: the true top-3 holds far more than 3 / n of the click mass.
  test::TempDir dir;
  generate_world(small_world(dir.path()));
  Dataset d = Dataset::open(dir.path());
  TruthIndex truth = TruthIndex::load(d.truth_path("train"), d.catalog());
  auto reqs = read_requests(d.split_path("train"), d.schema(), d.catalog(), BadInputPolicy::kStrict);
  double top3 = 0, uniform3 = 0;
  for (const auto& r : reqs) {
    std::vector<float> p;
    truth.probs_for(r.request_id, r.candidates, p);
    std::sort(p.rbegin(), p.rend());
    top3 += p[0] + p[1] + p[2];
    uniform3 += 3.0 / static_cast<double>(p.size());
  }
  EXPECT_GT(top3 / uniform3, 5.0);
}

TEST(World, RejectsBadOptions) {
  WorldOptions w = small_world("/tmp/unused");
  w.markets = {"SG", "XX"};
  EXPECT_EQ(test::error_of([&] { generate_world(w); }),
            "--markets: unknown market \"XX\" (known: SG,MY,PH,TH,VN,ID,BR,TW)");
  w = small_world("/tmp/unused");
  w.weeks = 1;
  EXPECT_EQ(test::error_of([&] { generate_world(w); }),
            "--weeks: must be at least 2 (the last week is the test split)");
}

}  // namespace
}  // namespace rgalign::sim
