// Neural rankers: shapes, padding, the intent tower, and save -> load -> identical scores.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <memory>
#include <tuple>
#include <utility>

#include "rgalign/llm/safetensors_torch.h"
#include "rgalign/rank/dnn_ranker.h"
#include "rgalign/rank/qe_rec_pair_train.h"
#include "rgalign/rank/qe_rec_ranker.h"
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

RankerConfig tiny_qe_rec(bool query = true, bool intent_text = true) {
  RankerConfig c = tiny("qe-rec");
  c.query_dim = query ? 6 : 0;
  c.intent_text_dim = intent_text ? 6 : 0;
  c.reasoner = "/reasoner";
  c.reasoner_hash = "0123";
  c.latent_cache = "/reasoner/latent-cache";
  return c;
}

RankerConfig tiny_config(const std::string& name) {
  if (name == "text-bow") return tiny_text_bow();
  if (name == "qe-rec") return tiny_qe_rec();
  return tiny(name);
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
  b.query = torch::tensor(
      {{0.5f, -1.0f, 2.0f, 0.0f, 1.0f, 3.0f}, {-2.0f, 1.0f, 0.0f, 0.5f, -1.0f, 2.0f}});  // [2, E]
  return b;
}

TEST(Rankers, ShapesAndPadding) {
  torch::manual_seed(0);
  for (const char* name : {"dnn", "two-tower", "text-bow", "qe-rec"}) {
    auto m = make_ranker(tiny_config(name));
    auto out = m->forward(batch());
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 4})) << name;
    EXPECT_LT(out[1][2].item<float>(), -1e8f) << name;
    EXPECT_GT(out[1][1].item<float>(), -1e8f) << name;
  }
  RankerConfig bad = tiny("wide-and-deep");
  EXPECT_EQ(test::error_of([&] { make_ranker(bad); }),
            "model: unknown neural model \"wide-and-deep\" (expected dnn, two-tower, text-bow or qe-rec)");
}

TEST(Rankers, CandidateScoresDoNotDependOnOtherCandidates) {
  // The intent tower is shared: an intent's score for a user is the same whichever list it appears in.
  // QE-Rec's mutual attention is per (request, candidate) pair, so the same holds.
  for (const char* name : {"two-tower", "qe-rec"}) {
    torch::manual_seed(1);
    auto m = make_ranker(tiny_config(name));
    m->eval();
    RankBatch a = batch(), b = batch();
    b.cand = torch::tensor({{9, 1, 4, 3}, {6, 5, 0, 0}}, torch::kInt64);
    auto sa = m->forward(a), sb = m->forward(b);
    EXPECT_FLOAT_EQ(sa[0][1].item<float>(), sb[0][2].item<float>()) << name;  // intent 4
    EXPECT_FLOAT_EQ(sa[1][0].item<float>(), sb[1][1].item<float>()) << name;  // intent 5
  }
}

TEST(Rankers, SaveLoadGivesIdenticalScores) {
  test::TempDir dir;
  for (const char* name : {"dnn", "two-tower", "text-bow", "qe-rec"}) {
    const RankerConfig cfg = tiny_config(name);
    torch::manual_seed(2);
    auto m = make_ranker(cfg);
    if (auto* qe = dynamic_cast<QeRecRanker*>(m.get())) qe->set_intent_text(torch::randn({10, 6}));
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

TEST(Rankers, QeRecGivesAnUnseenIntentARepresentationFromItsText) {
  // Intents 8 and 9 were never trained: equal text embeddings give equal text parts of the intent tower,
  // other text gives another representation, and the scores follow the text.
  torch::manual_seed(5);
  auto m = std::make_shared<QeRecRanker>(tiny_qe_rec());
  auto text = torch::randn({10, 6});
  text[9] = text[8];
  m->set_intent_text(text);
  m->eval();
  torch::NoGradGuard g;
  auto text_part = m->intent_tower() - m->named_parameters()["intents.weight"];  // [I, T]
  EXPECT_TRUE(torch::allclose(text_part[8], text_part[9]));
  EXPECT_FALSE(torch::allclose(text_part[8], text_part[7]));
  RankBatch b = batch();
  b.cand = torch::tensor({{8, 9, 1, 2}, {8, 9, 0, 0}}, torch::kInt64);
  auto before = m->forward(b);
  text[9] = torch::randn({6});
  m->set_intent_text(text);
  auto after = m->forward(b);
  EXPECT_FLOAT_EQ(before[0][0].item<float>(), after[0][0].item<float>());  // intent 8 unchanged
  EXPECT_NE(before[0][1].item<float>(), after[0][1].item<float>());        // intent 9 follows its text
}

TEST(Rankers, QeRecIntentIdDropoutLeavesTheTextAloneForDroppedIntents) {
  // Training leaves out the id embedding of about the given share of intents (then the tower is the text
  // part alone, as for an intent never trained on); evaluation always adds the id. Ids start at zero.
  torch::manual_seed(9);
  RankerConfig cfg = tiny_qe_rec();
  cfg.n_intents = 400;
  cfg.intent_id_dropout = 0.5;
  auto m = std::make_shared<QeRecRanker>(cfg);
  torch::NoGradGuard g;
  auto ids = m->named_parameters()["intents.weight"];  // [I, T]
  EXPECT_EQ(ids.abs().max().item<float>(), 0.0f);
  ids.copy_(torch::randn_like(ids));
  m->set_intent_text(torch::randn({400, 6}));
  m->eval();
  auto full = m->intent_tower().clone();  // [I, T]
  auto text_part = full - ids;
  m->train();
  auto dropped_tower = m->intent_tower();
  int64_t dropped = 0;
  for (int64_t i = 0; i < 400; ++i) {
    const bool kept = torch::allclose(dropped_tower[i], full[i], 1e-5, 1e-5);
    const bool text_only = torch::allclose(dropped_tower[i], text_part[i], 1e-5, 1e-5);
    EXPECT_NE(kept, text_only) << i;
    dropped += text_only ? 1 : 0;
  }
  EXPECT_GT(dropped, 140);
  EXPECT_LT(dropped, 260);
  m->eval();
  EXPECT_TRUE(torch::equal(m->intent_tower(), full));
  // The draw follows the step's seed, so data-parallel ranks drop the same ids; the next pass draws anew.
  m->train();
  m->begin_step(42);
  auto first = m->intent_tower();
  EXPECT_FALSE(torch::equal(m->intent_tower(), first));
  m->begin_step(42);
  EXPECT_TRUE(torch::equal(m->intent_tower(), first));

  Json j = cfg.to_json();
  EXPECT_EQ(RankerConfig::from_json(j, "model_config.json").intent_id_dropout, 0.5);
  j["intent_id_dropout"] = 1.0;
  EXPECT_EQ(test::error_of([&] { RankerConfig::from_json(j, "model_config.json"); }),
            "model_config.json: intent_id_dropout must be in [0, 1)");
}

TEST(Rankers, QeRecAblationsDropTheirTowers) {
  torch::manual_seed(6);
  auto no_text = std::make_shared<QeRecRanker>(tiny_qe_rec(true, false));
  torch::NoGradGuard g;
  EXPECT_TRUE(torch::equal(no_text->intent_tower(), no_text->named_parameters()["intents.weight"]));
  EXPECT_EQ(test::error_of([&] {
              no_text->set_intent_text(torch::zeros({10, 6}));
            }).rfind("this QE-Rec has no intent text tower", 0),
            0u);
  auto no_query = std::make_shared<QeRecRanker>(tiny_qe_rec(false, true));
  RankBatch b = batch();
  b.query = torch::Tensor();  // not needed without the query tower
  EXPECT_EQ(no_query->forward(b).sizes(), (std::vector<int64_t>{2, 4}));
  auto full = std::make_shared<QeRecRanker>(tiny_qe_rec());
  full->eval();
  RankBatch other = batch();
  other.query = other.query.flip(0);  // the query tower changes the scores
  EXPECT_FALSE(torch::allclose(full->forward(batch()), full->forward(other)));
  EXPECT_EQ(test::error_of([&] {
              full->forward(b);
            }).rfind("QE-Rec needs the requests' latent-query embeddings", 0),
            0u);
}

TEST(Rankers, QeRecTiedTextProjectionMapsAnIntentTextAndAnEqualQueryAlike) {
  // With one projection for the latent query and the intent texts, a query embedding equal to an intent's
  // text embedding lands exactly on that intent's text part of the tower; untied, it does not.
  torch::manual_seed(11);
  RankerConfig cfg = tiny_qe_rec();
  cfg.tie_text_projection = true;
  auto tied = std::make_shared<QeRecRanker>(cfg);
  auto untied = std::make_shared<QeRecRanker>(tiny_qe_rec());
  EXPECT_EQ(tied->parameters().size() + 6, untied->parameters().size());  // no separate intent-text weights
  auto text = torch::randn({10, 6});                                      // [I, E]
  torch::NoGradGuard g;
  for (auto* m : {tied.get(), untied.get()}) {
    m->set_intent_text(text);
    m->eval();
  }
  auto text_part = [](QeRecRanker& m) { return m.intent_tower() - m.named_parameters()["intents.weight"]; };
  EXPECT_TRUE(torch::allclose(tied->query_tower(text.slice(0, 3, 5)), text_part(*tied).slice(0, 3, 5)));
  EXPECT_FALSE(torch::allclose(untied->query_tower(text.slice(0, 3, 5)), text_part(*untied).slice(0, 3, 5)));

  Json j = cfg.to_json();
  EXPECT_TRUE(RankerConfig::from_json(j, "model_config.json").tie_text_projection);
  j["intent_text_dim"] = 0;
  EXPECT_EQ(test::error_of([&] { RankerConfig::from_json(j, "model_config.json"); }),
            "model_config.json: tie_text_projection needs a query tower and intent texts of the same size");
  j["tie_text_projection"] = "yes";
  EXPECT_EQ(test::error_of([&] { RankerConfig::from_json(j, "model_config.json"); }),
            "model_config.json: tie_text_projection must be a boolean");
}

// A tiny QE-Rec with random intent texts and its weights moved away from the initialisation's symmetric
// values (so that scores and gradients differ), in eval mode: no intent-id dropout, the same function on
// every call.
std::shared_ptr<QeRecRanker> perturbed_qe_rec(const RankerConfig& cfg, uint64_t seed) {
  torch::manual_seed(seed);
  auto m = std::make_shared<QeRecRanker>(cfg);
  m->set_intent_text(torch::randn({10, 6}));
  for (auto& p : m->parameters()) {
    torch::NoGradGuard g;
    p.add_(torch::randn_like(p) * 0.3);
  }
  m->eval();
  return m;
}

// The pair-stage comparisons' case: the perturbed tiny QE-Rec at tower width `width`, with or without the
// query tower, and batch() (without latent queries when there is no query tower).
std::pair<std::shared_ptr<QeRecRanker>, RankBatch> pair_stage_case(int64_t width, bool query, uint64_t seed) {
  RankerConfig cfg = tiny_qe_rec(query, true);
  cfg.tower_dim = width;
  RankBatch b = batch();
  if (!query) b.query = torch::Tensor();
  return {perturbed_qe_rec(cfg, seed), b};
}

TEST(Rankers, QeRecQueryMatchAddsTheScaledDotProductOfTheTowers) {
  // query_match: each pair's logit is the pair stage's plus match_scale * <query tower, intent tower>, the
  // same in the fused, module and training paths; padded candidates keep the mask's score.
  RankerConfig cfg = tiny_qe_rec();
  cfg.query_match = true;
  auto m = perturbed_qe_rec(cfg, 12);
  const RankBatch b = batch();
  torch::Tensor with, modules, trained, q, tower;
  {
    torch::NoGradGuard g;
    with = m->forward(b);  // [2, 4], fused
    m->set_fused_inference(false);
    modules = m->forward(b);
    m->set_fused_inference(true);
    q = m->query_tower(b.query);  // [2, T]
    tower = m->intent_tower();    // [I, T]
  }
  trained = m->forward(b);  // gradients on: the fused training path
  EXPECT_LT((with - modules).abs().max().item<float>(), 1e-5f);
  EXPECT_LT((with - trained.detach()).abs().max().item<float>(), 1e-5f);
  // The scale and the towers get gradients through the term.
  trained.masked_select(b.cand_mask).sum().backward();
  EXPECT_GT(m->named_parameters()["match_scale"].grad().abs().item<float>(), 0.0f);
  const float scale = m->named_parameters()["match_scale"].item<float>();
  {
    torch::NoGradGuard g;
    m->named_parameters()["match_scale"].zero_();
  }
  const auto without = m->forward(b).detach();
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 4; ++c) {
      if (!b.cand_mask[r][c].item<bool>()) {
        EXPECT_FLOAT_EQ(with[r][c].item<float>(), -1e9f);
        continue;
      }
      const float dot = (q[r] * tower[b.cand[r][c].item<int64_t>()]).sum().item<float>();
      EXPECT_NEAR(with[r][c].item<float>() - without[r][c].item<float>(), scale * dot, 1e-4f) << r << c;
    }
  EXPECT_GT((with - without).abs().max().item<float>(), 1e-2f);  // the term is not negligible here

  Json j = cfg.to_json();
  EXPECT_TRUE(RankerConfig::from_json(j, "model_config.json").query_match);
  j.erase("query_match");  // models saved before the option score without it
  EXPECT_FALSE(RankerConfig::from_json(j, "model_config.json").query_match);
  j["query_match"] = true;
  j["query_dim"] = 0;
  EXPECT_EQ(test::error_of([&] { RankerConfig::from_json(j, "model_config.json"); }),
            "model_config.json: query_match needs a query tower");
}

TEST(Rankers, QeRecFusedInferenceEqualsTheModulePath) {
  // Serving and evaluation run the pair stage fused (no gradients, CPU); the module path is the reference.
  // Both must be the same function: with and without the query tower, a tower width that is not a multiple of
  // the kernel's unrolling, padded candidates.
  for (int64_t width : {8, 12})
    for (bool query : {true, false}) {
      std::shared_ptr<QeRecRanker> m;  // named variables, not a structured binding: lambdas capture them
      RankBatch b;
      std::tie(m, b) = pair_stage_case(width, query, 7);
      torch::NoGradGuard g;
      const auto fused = m->forward(b);  // [2, 4]
      m->set_fused_inference(false);
      const auto modules = m->forward(b);
      m->set_fused_inference(true);
      EXPECT_LT((fused - modules).abs().max().item<float>(), 1e-5f) << width << " " << query;
      EXPECT_FLOAT_EQ(fused[1][2].item<float>(), -1e9f);  // padding
      EXPECT_GT(modules[0].std().item<float>(), 1e-3f);   // the scores differ: a real comparison
      b.cand[0][1] = 10;                                  // no such intent
      EXPECT_NE(test::error_of([&] { m->forward(b); }).find("candidate index 10 outside the 10 intents"),
                std::string::npos);
    }
}

// Gradients of every parameter after one backward pass, cleared for the next.
std::vector<torch::Tensor> take_gradients(Ranker& m) {
  std::vector<torch::Tensor> g;
  for (auto& p : m.parameters()) {
    g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    p.mutable_grad() = torch::Tensor();
  }
  return g;
}

TEST(Rankers, QeRecFusedTrainingEqualsTheModulePath) {
  // Training runs the pair stage fused with its own backward pass; the module path (autograd) is the
  // reference. Same logits, same gradients for every parameter and for the query input: with and without the
  // query tower, a tower width that is not a multiple of the kernel's unrolling, padded candidates; one
  // thread, and two (the backward splits the requests between tasks and adds up their sums).
  const int threads_before = at::get_num_threads();
  for (int threads : {1, 2})
    for (int64_t width : {8, 12})
      for (bool query : {true, false}) {
        std::shared_ptr<QeRecRanker> m;
        RankBatch b;
        std::tie(m, b) = pair_stage_case(width, query, 11);
        const auto weights = torch::randn({2, 4});  // a loss: a weighted sum of the real cells' scores
        struct Run {
          torch::Tensor logits, query_grad;
          std::vector<torch::Tensor> grads;
        };
        auto run = [&](bool fused) {
          set_qe_rec_pair_train_fused(fused);
          RankBatch rb = b;
          if (query) rb.query = b.query.clone().requires_grad_(true);
          Run r;
          r.logits = m->forward(rb);  // [2, 4]
          (r.logits.masked_select(b.cand_mask) * weights.masked_select(b.cand_mask)).sum().backward();
          r.grads = take_gradients(*m);
          if (query) r.query_grad = rb.query.grad().clone();
          r.logits = r.logits.detach();
          return r;
        };
        at::set_num_threads(threads);
        const Run modules = run(false);
        const Run fused = run(true);
        at::set_num_threads(threads_before);
        EXPECT_LT((fused.logits - modules.logits).abs().max().item<float>(), 1e-5f) << width << " " << query;
        EXPECT_FLOAT_EQ(fused.logits[1][2].item<float>(), -1e9f);  // padding
        ASSERT_EQ(fused.grads.size(), modules.grads.size());
        const auto names = m->named_parameters().keys();
        int64_t moved = 0;
        for (size_t i = 0; i < fused.grads.size(); ++i) {
          EXPECT_LT((fused.grads[i] - modules.grads[i]).abs().max().item<float>(), 1e-4f)
              << names[i] << " " << width << " " << query << " " << threads;
          moved += modules.grads[i].abs().max().item<float>() > 1e-4f;
        }
        EXPECT_GT(moved, static_cast<int64_t>(fused.grads.size()) / 2);  // gradients reach the parameters
        if (query) {
          EXPECT_LT((fused.query_grad - modules.query_grad).abs().max().item<float>(), 1e-4f) << width;
          EXPECT_GT(modules.query_grad.abs().max().item<float>(), 1e-4f);
        }
      }
  set_qe_rec_pair_train_fused(true);
}

// A batch of B requests with C candidates each (random features, candidates among the tiny config's 10
// intents, each request's list cut at a random length), for tests that need many pairs.
RankBatch random_batch(int64_t B, int64_t C, uint64_t seed) {
  torch::manual_seed(seed);
  RankBatch b;
  b.single =
      torch::stack({torch::randint(3, {B}), torch::randint(5, {B}), torch::randint(7, {B})}, 1);  // [B, 3]
  b.multi = torch::randint(6, {B, 1, 3});                                                         // [B, 1, 3]
  b.multi_mask = (torch::rand({B, 1, 3}) < 0.7).to(torch::kFloat32);                              // [B, 1, 3]
  b.cand = torch::randint(10, {B, C});                                                            // [B, C]
  const auto lengths = torch::randint(C / 2, C + 1, {B, 1});                                      // [B, 1]
  b.cand_mask = torch::arange(C).unsqueeze(0) < lengths;                                          // [B, C]
  b.labels = torch::zeros({B, C});
  b.labels.select(1, 0).fill_(1.0f);
  b.query = torch::randn({B, 6});  // [B, E]
  return b;
}

TEST(Rankers, QeRecFusedTrainingEqualsTheModulePathOverManyChunks) {
  // The fused backward rebuilds pairs in chunks of 128 and splits requests between tasks: a batch of
  // thousands of pairs at the default tower and head widths crosses both boundaries many times.
  RankerConfig cfg = tiny_qe_rec();
  cfg.tower_dim = 64;
  cfg.hidden_dim = 128;
  auto m = perturbed_qe_rec(cfg, 5);
  const RankBatch b = random_batch(7, 300, 8);
  const auto weights = torch::randn({7, 300});
  const int threads_before = at::get_num_threads();
  at::set_num_threads(2);
  std::vector<std::vector<torch::Tensor>> grads;
  std::vector<torch::Tensor> logits;
  for (bool fused : {false, true}) {
    set_qe_rec_pair_train_fused(fused);
    const auto out = m->forward(b);  // [7, 300]
    (out.masked_select(b.cand_mask) * weights.masked_select(b.cand_mask)).sum().backward();
    grads.push_back(take_gradients(*m));
    logits.push_back(out.detach());
  }
  set_qe_rec_pair_train_fused(true);
  at::set_num_threads(threads_before);
  EXPECT_LT((logits[0] - logits[1]).abs().max().item<float>(), 1e-4f);
  const auto names = m->named_parameters().keys();
  for (size_t i = 0; i < grads[0].size(); ++i) {
    const float scale = std::max(1.0f, grads[0][i].abs().max().item<float>());  // sums over ~1,600 pairs
    EXPECT_LT((grads[0][i] - grads[1][i]).abs().max().item<float>(), 1e-5f * scale) << names[i];
  }
}

TEST(Rankers, QeRecTrainingGivesAPaddedBatchTheScoresAndGradientsOfItsRequestsAlone) {
  // Training (fused or on the module path) runs only the real (request, candidate) pairs. A batch padded to
  // its longest candidate list must give each request the scores it gets alone, unpadded, and a loss over the
  // batch the gradients of the sum of the requests' losses.
  RankerConfig cfg = tiny_qe_rec();
  auto m = perturbed_qe_rec(cfg, 3);  // gradients stay on: the training path runs
  const RankBatch b = batch();
  const auto weights = torch::randn({2, 4});  // a loss: a weighted sum of the real cells' scores
  for (bool fused : {true, false}) {
    set_qe_rec_pair_train_fused(fused);
    const auto padded = m->forward(b);  // [2, 4]
    (padded.masked_select(b.cand_mask) * weights.masked_select(b.cand_mask)).sum().backward();
    const auto batch_grads = take_gradients(*m);
    EXPECT_FLOAT_EQ(padded[1][3].item<float>(), -1e9f);
    const int64_t real[2] = {4, 2};
    for (int64_t r = 0; r < 2; ++r) {
      RankBatch one;
      auto row = [&](const torch::Tensor& t) { return t.narrow(0, r, 1); };
      one.single = row(b.single);
      one.multi = row(b.multi);
      one.multi_mask = row(b.multi_mask);
      one.query = row(b.query);
      one.cand = row(b.cand).narrow(1, 0, real[r]);
      one.cand_mask = row(b.cand_mask).narrow(1, 0, real[r]);
      one.labels = row(b.labels).narrow(1, 0, real[r]);
      const auto alone = m->forward(one);  // [1, real]
      EXPECT_LT((alone[0] - padded[r].narrow(0, 0, real[r]).detach()).abs().max().item<float>(), 1e-5f)
          << r << " " << fused;
      (alone[0] * weights[r].narrow(0, 0, real[r])).sum().backward();
    }
    const auto request_grads = take_gradients(*m);
    ASSERT_EQ(batch_grads.size(), request_grads.size());
    float largest = 0;
    for (size_t i = 0; i < batch_grads.size(); ++i) {
      EXPECT_LT((batch_grads[i] - request_grads[i]).abs().max().item<float>(), 1e-5f) << i << " " << fused;
      largest = std::max(largest, batch_grads[i].abs().max().item<float>());
    }
    EXPECT_GT(largest, 1e-3f);  // gradients reach the parameters: a real comparison
  }
  set_qe_rec_pair_train_fused(true);
}

TEST(Rankers, ConfigRejectsBadSizes) {
  Json j = tiny("dnn").to_json();
  j["score"] = "cosine";
  EXPECT_EQ(test::error_of([&] { RankerConfig::from_json(j, "model_config.json"); }),
            "model_config.json: \"score\" must be mlp or dot");
}

}  // namespace
}  // namespace rgalign
