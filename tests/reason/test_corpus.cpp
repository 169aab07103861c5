// The reasoner's pretraining corpus: intent texts and rendered prompts, never clicks, labels or truth.
#include <gtest/gtest.h>

#include "rgalign/data/dataset.h"
#include "rgalign/data/prompt.h"
#include "rgalign/reason/corpus.h"
#include "rgalign/sim/world.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(ReasonerCorpus, HoldsIntentTextsAndPromptsButNoLabels) {
  test::TempDir dir;
  sim::WorldOptions w;
  w.out = dir.file("data");
  w.users = 100;
  w.weeks = 3;
  w.markets = {"SG"};
  w.seed = 2;
  sim::generate_world(w);
  Dataset data = Dataset::open(w.out);
  CorpusOptions o;
  o.max_train_prompts = 50;
  o.max_valid_prompts = 10;
  ReasonerCorpus c = build_reasoner_corpus(data, o, BadInputPolicy::kStrict);
  const size_t n_intents = data.catalog().size();
  ASSERT_EQ(c.train.size(), 2 * n_intents + 50);
  const size_t n_valid =
      read_requests(data.split_path("valid"), data.schema(), data.catalog(), BadInputPolicy::kStrict).size();
  EXPECT_EQ(c.valid.size(), std::min<size_t>(10, n_valid));
  EXPECT_GT(c.valid.size(), 0u);
  EXPECT_EQ(c.train[0], intent_text(data.catalog().intents()[0]));
  EXPECT_EQ(c.train[1].rfind("Help centre (SG)\nQ: ", 0), 0u);
  // Prompts carry features only: no intent id (what was clicked) appears in any prompt.
  for (size_t i = 2 * n_intents; i < c.train.size(); ++i) {
    EXPECT_EQ(c.train[i].rfind(kReasonerInstruction, 0), 0u);
    for (const auto& in : data.catalog().intents())
      ASSERT_EQ(c.train[i].find(in.intent_id), std::string::npos) << c.train[i];
  }
}

}  // namespace
}  // namespace rgalign
