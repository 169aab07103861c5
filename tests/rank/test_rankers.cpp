// Neural rankers: shapes, padding, the intent tower, and save -> load -> identical scores.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "rgalign/llm/safetensors_torch.h"
#include "rgalign/rank/dnn_ranker.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/rank/text_bow_ranker.h"
#include "rgalign/rank/two_tower_ranker.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

RankerConfig tiny(const std::string& model) {
  RankerConfig c;
  c.model = model;
  c.single_cardinalities = {3, 5, 7};
  c.multi_cardinalities = {6};
  c.n_intents = 10;
  c.embed_dim = 4;
  c.tower_dim = 8;
  c.hidden_dim = 16;
  c.attn_dim = 4;
  return c;
}

RankerConfig tiny_text_bow() {
  RankerConfig c = tiny("text-bow");
  c.text_buckets = 20;
  c.word_dim = 4;
  c.intent_text_len = 3;
  return c;
}

RankBatch batch() {
  RankBatch b;
  b.single = torch::tensor({{1, 2, 3}, {2, 4, 0}}, torch::kInt64);             // [2, 3]
  b.multi = torch::tensor({{{2, 3, 0}}, {{0, 0, 0}}}, torch::kInt64);          // [2, 1, 3]
  b.multi_mask = torch::tensor({{{1.0f, 1.0f, 0.0f}}, {{0.0f, 0.0f, 0.0f}}});  // [2, 1, 3]
  b.cand = torch::tensor({{0, 4, 9, 2}, {5, 6, 0, 0}}, torch::kInt64);         // [2, 4]
  b.cand_mask = torch::tensor({{true, true, true, true}, {true, true, false, false}});
  b.labels = torch::tensor({{0.0f, 1.0f, 0.0f, 0.0f}, {1.0f, 0.0f, 0.0f, 0.0f}});
  b.bow = torch::tensor({{3, 7, 0}, {1, 0, 0}}, torch::kInt64);  // [2, 3]
  b.bow_mask = torch::tensor({{1.0f, 1.0f, 0.0f}, {1.0f, 0.0f, 0.0f}});
  return b;
}

TEST(Rankers, ShapesAndPadding) {
  torch::manual_seed(0);
  for (const char* name : {"dnn", "two-tower", "text-bow"}) {
    auto m = make_ranker(std::string(name) == "text-bow" ? tiny_text_bow() : tiny(name));
    auto out = m->forward(batch());
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 4})) << name;
    EXPECT_LT(out[1][2].item<float>(), -1e8f) << name;
    EXPECT_GT(out[1][1].item<float>(), -1e8f) << name;
  }
  RankerConfig bad = tiny("wide-and-deep");
  EXPECT_EQ(test::error_of([&] { make_ranker(bad); }),
            "model: unknown neural model \"wide-and-deep\" (expected dnn, two-tower or text-bow)");
}

TEST(Rankers, CandidateScoresDoNotDependOnOtherCandidates) {
  // The intent tower is shared: an intent's score for a user is the same whichever list it appears in.
  torch::manual_seed(1);
  auto m = make_ranker(tiny("two-tower"));
  m->eval();
  RankBatch a = batch(), b = batch();
  b.cand = torch::tensor({{9, 1, 4, 3}, {6, 5, 0, 0}}, torch::kInt64);
  auto sa = m->forward(a), sb = m->forward(b);
  EXPECT_FLOAT_EQ(sa[0][1].item<float>(), sb[0][2].item<float>());  // intent 4
  EXPECT_FLOAT_EQ(sa[1][0].item<float>(), sb[1][1].item<float>());  // intent 5
}

TEST(Rankers, SaveLoadGivesIdenticalScores) {
  test::TempDir dir;
  for (const char* name : {"dnn", "two-tower", "text-bow"}) {
    const RankerConfig cfg = std::string(name) == "text-bow" ? tiny_text_bow() : tiny(name);
    torch::manual_seed(2);
    auto m = make_ranker(cfg);
    save_module(*m, dir.file("m.safetensors"));
    torch::manual_seed(3);
    auto back = make_ranker(RankerConfig::from_json(cfg.to_json(), "cfg"));
    load_module(*back, dir.file("m.safetensors"));
    m->eval();
    back->eval();
    EXPECT_TRUE(torch::equal(m->forward(batch()), back->forward(batch()))) << name;
  }
}

TEST(Rankers, TextBowGivesAnUnseenIntentARepresentationFromItsText) {
  // Two intents whose ids were never trained but whose texts are the same get the same score; change the text
  // and the score changes. An id-only tower cannot tell apart intents it never saw.
  torch::manual_seed(4);
  auto m = std::make_shared<TextBowRanker>(tiny_text_bow());
  auto ids = torch::zeros({10, 3}, torch::kInt64), mask = torch::zeros({10, 3});
  ids[8] = torch::tensor({5, 6, 7});
  ids[9] = torch::tensor({5, 6, 7});
  mask[8].fill_(1);
  mask[9].fill_(1);
  m->set_intent_text(ids, mask);
  m->eval();
  torch::NoGradGuard g;
  auto tower = m->intent_tower();  // [I, T]
  EXPECT_FALSE(
      torch::equal(tower[8] - tower[9], torch::zeros({8})));  // differ only by their id embeddings...
  auto text_only = tower - m->named_parameters()["intents.weight"];
  EXPECT_TRUE(torch::allclose(text_only[8], text_only[9]));  // ...the text part is identical
  ids[9] = torch::tensor({1, 2, 3});
  m->set_intent_text(ids, mask);
  auto changed = m->intent_tower() - m->named_parameters()["intents.weight"];
  EXPECT_FALSE(torch::allclose(changed[8], changed[9]));
  auto out = m->forward(batch());
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 4}));
}

TEST(Rankers, ConfigRejectsBadSizes) {
  Json j = tiny("dnn").to_json();
  j["score"] = "cosine";
  EXPECT_EQ(test::error_of([&] { RankerConfig::from_json(j, "model_config.json"); }),
            "model_config.json: \"score\" must be mlp or dot");
}

}  // namespace
}  // namespace rgalign
