// The reward model's training texts: one per training request, drawn among the base reasoner, the teachers
// and, with hindsight texts, the clicked intent's title; the same draw every time. The student's own
// candidates: sampled ones are dropped when empty, the greedy one is kept as it is.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "rgalign/align/bm25.h"
#include "rgalign/align/candidates.h"
#include "rgalign/data/dataset.h"
#include "rgalign/data/prompt.h"
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

// A small simulated world with a tiny pretrained reasoner, and its training split.
struct TinyAlignWorld {
  test::TempDir dir;
  std::unique_ptr<Dataset> data;
  std::vector<Request> train;
  std::unique_ptr<Reasoner> reasoner;

  explicit TinyAlignWorld(int users) {
    test::write_small_world(dir.file("data"), users, 4);
    run_reasoner_pretrain(test::tiny_reasoner_options(dir.file("data"), dir.file("reasoner")));
    data = std::make_unique<Dataset>(Dataset::open(dir.file("data")));
    train = read_requests(data->split_path("train"), data->schema(), data->catalog(), BadInputPolicy::kStrict,
                          nullptr, {});
    reasoner = Reasoner::load(dir.file("reasoner"));
  }
};

TEST(RewardModelTexts, HindsightTextsNameTheClickedIntent) {
  TinyAlignWorld w(120);
  const Dataset& data = *w.data;
  const auto& train = w.train;
  ASSERT_GT(train.size(), 100u);
  Reasoner& base = *w.reasoner;
  AlignConfig cfg;
  cfg.reasoner.latent_tokens = 24;
  cfg.reward_model.hindsight_texts = false;
  const auto plain = reward_model_texts(train, data, cfg, base);
  cfg.reward_model.hindsight_texts = true;
  const auto hindsight = reward_model_texts(train, data, cfg, base);
  ASSERT_EQ(hindsight.size(), train.size());
  EXPECT_EQ(hindsight, reward_model_texts(train, data, cfg, base));  // seeded per request
  // One source in 1 + 3 teachers + 2 KB ranks + 1: about a seventh of the requests, on top of the KB
  // teacher's own hits.
  const size_t without = naming_the_click(train, plain, data.catalog());
  const size_t with = naming_the_click(train, hindsight, data.catalog());
  EXPECT_GT(with, without + train.size() / 14) << with << " vs " << without << " of " << train.size();
}

TEST(StudentCandidates, GreedyTextIsKeptEvenWhenEmptySampledEmptyTextsAreNot) {
  TinyAlignWorld w(60);
  const Dataset& data = *w.data;
  const std::vector<Request> rs = pick_requests(w.train, 24);
  ASSERT_EQ(rs.size(), 24u);
  Reasoner& student = *w.reasoner;
  AlignConfig cfg;
  cfg.reasoner.latent_tokens = 6;
  cfg.teachers.simulated = false;
  cfg.teachers.kb_retrieval = false;
  cfg.teachers.self_sampling = false;
  cfg.teachers.self_greedy = true;
  std::vector<std::string> prompts;
  for (const auto& r : rs) prompts.push_back(render_prompt(r, data.schema()));
  const auto greedy = sample_latent_queries(student, prompts, 1, 6, 0.0, 0, cfg.run.seed, cfg.reasoner.batch);

  // Greedy only: one candidate per request, the student's greedy text cut like every candidate, empty or not.
  auto only = propose_candidates(rs, data, cfg, student, w.dir.file("run"));
  ASSERT_EQ(only.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    ASSERT_EQ(only[i].size(), 1u) << i;
    EXPECT_EQ(only[i][0].teacher, kSelfGreedyTeacher);
    std::string expected = greedy[i][0];
    fit_text(student, expected, 6);
    EXPECT_EQ(only[i][0].text, expected) << i;
  }

  // An empty greedy text (what a reasoner that stops at once writes) survives the filter that drops empty
  // sampled texts: make every sample empty by allowing no new tokens.
  cfg.reasoner.latent_tokens = 0;
  cfg.teachers.self_sampling = true;
  auto empty = propose_candidates(rs, data, cfg, student, w.dir.file("run"));
  for (size_t i = 0; i < rs.size(); ++i) {
    ASSERT_EQ(empty[i].size(), 1u) << i;
    EXPECT_EQ(empty[i][0].teacher, kSelfGreedyTeacher);
    EXPECT_EQ(empty[i][0].text, "");
  }
  cfg.teachers.self_greedy = false;
  auto none = propose_candidates(rs, data, cfg, student, w.dir.file("run"));
  for (size_t i = 0; i < rs.size(); ++i) EXPECT_TRUE(none[i].empty()) << i;
}

}  // namespace
}  // namespace rgalign
