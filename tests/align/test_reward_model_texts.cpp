// The reward model's training texts: one per training request, drawn among the base reasoner, the teachers
// and, with hindsight texts, the clicked intent's title; the same draw every time.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "rgalign/align/bm25.h"
#include "rgalign/align/candidates.h"
#include "rgalign/data/dataset.h"
#include "rgalign/reason/reasoner.h"
#include "support/test_support.h"
#include "support/tiny_reasoner.h"

namespace rgalign {
namespace {

// How many texts name their request's clicked intent the way the KB-retrieval teacher writes an intent.
size_t naming_the_click(const std::vector<Request>& rs, const std::vector<std::string>& texts,
                        const IntentCatalog& catalog) {
  size_t n = 0;
  for (size_t i = 0; i < rs.size(); ++i)
    for (size_t k = 0; k < rs[i].labels.size(); ++k)
      if (rs[i].labels[k] > 0 &&
          texts[i] == KbRetrievalTeacher::latent_query_for(catalog.at(rs[i].candidates[k])))
        ++n;
  return n;
}

TEST(RewardModelTexts, HindsightTextsNameTheClickedIntent) {
  test::TempDir dir;
  test::write_small_world(dir.file("data"), 120, 4);
  run_reasoner_pretrain(test::tiny_reasoner_options(dir.file("data"), dir.file("reasoner")));
  const Dataset data = Dataset::open(dir.file("data"));
  auto train = read_requests(data.split_path("train"), data.schema(), data.catalog(), BadInputPolicy::kStrict,
                             nullptr, {});
  ASSERT_GT(train.size(), 100u);
  auto base = Reasoner::load(dir.file("reasoner"));
  AlignConfig cfg;
  cfg.reasoner.latent_tokens = 24;
  cfg.reward_model.hindsight_texts = false;
  const auto plain = reward_model_texts(train, data, cfg, *base);
  cfg.reward_model.hindsight_texts = true;
  const auto hindsight = reward_model_texts(train, data, cfg, *base);
  ASSERT_EQ(hindsight.size(), train.size());
  EXPECT_EQ(hindsight, reward_model_texts(train, data, cfg, *base));  // seeded per request
  // One source in 1 + 3 teachers + 2 KB ranks + 1: about a seventh of the requests, on top of the KB
  // teacher's own hits.
  const size_t without = naming_the_click(train, plain, data.catalog());
  const size_t with = naming_the_click(train, hindsight, data.catalog());
  EXPECT_GT(with, without + train.size() / 14) << with << " vs " << without << " of " << train.size();
}

}  // namespace
}  // namespace rgalign
