// The built-in reasoner and latent queries: deterministic pretraining with a falling validation perplexity, a
// checkpoint that loads like any other, cache hits on repeated prompts, misses after the checkpoint changes,
// and embeddings that do not depend on what else is in the batch.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>

#include "rgalign/common/hash.h"
#include "rgalign/common/json_util.h"
#include "rgalign/llm/decoder.h"
#include "rgalign/reason/latent_inputs.h"
#include "rgalign/reason/reasoner.h"
#include "support/test_support.h"
#include "support/tiny_reasoner.h"

namespace rgalign {
namespace {

namespace fs = std::filesystem;

class ReasonerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    test::write_small_world(dir_->file("data"), 200, 4);
    result_ = run_reasoner_pretrain(test::tiny_reasoner_options(dir_->file("data"), dir_->file("reasoner")));
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
  static ReasonerPretrainResult result_;
};
test::TempDir* ReasonerTest::dir_ = nullptr;
ReasonerPretrainResult ReasonerTest::result_;

TEST_F(ReasonerTest, PretrainingLowersPerplexityAndIsDeterministic) {
  EXPECT_LT(result_.final_valid_ppl, result_.first_valid_ppl / 4);
  const std::string a = dir_->file("reasoner");
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.model", "metrics.jsonl", "run.json"})
    EXPECT_TRUE(fs::exists(a + "/" + f)) << f;
  const std::string b = dir_->file("reasoner-again");
  run_reasoner_pretrain(test::tiny_reasoner_options(dir_->file("data"), b));
  EXPECT_EQ(sha256_file(a + "/tokenizer.model"), sha256_file(b + "/tokenizer.model"));
  EXPECT_EQ(sha256_file(a + "/model.safetensors"), sha256_file(b + "/model.safetensors"));
  EXPECT_EQ(checkpoint_hash(a), checkpoint_hash(b));
  // The Hugging Face layout: a Llama config the engine reads back.
  Json cfg = read_json_file(a + "/config.json");
  EXPECT_EQ(cfg["model_type"], "llama");
  EXPECT_EQ(cfg["architectures"][0], "LlamaForCausalLM");
}

TEST_F(ReasonerTest, RepeatedPromptsComeFromTheCache) {
  auto r = Reasoner::load(dir_->file("reasoner"));
  LatentCache cache(dir_->file("cache-repeat"), r->hidden_size());
  const std::vector<std::string> prompts = {"Market: SG\n- Latest order status: to receive",
                                            "Market: BR\n- Refund status: requested",
                                            "Market: SG\n- Latest order status: to receive"};
  LatentQueries first = r->embed(prompts, LatentQueryOptions(), &cache);
  EXPECT_EQ(first.computed, 2);  // the repeat within the call is computed once
  EXPECT_EQ(first.cached, 1);
  EXPECT_TRUE(torch::equal(first.last[0], first.last[2]));
  EXPECT_FALSE(torch::allclose(first.last[0], first.last[1]));
  EXPECT_FALSE(torch::allclose(first.last, first.mean));
  LatentQueries second = r->embed(prompts, LatentQueryOptions(), &cache);
  EXPECT_EQ(second.computed, 0);
  EXPECT_EQ(second.cached, 3);
  EXPECT_TRUE(torch::equal(first.last, second.last));
  EXPECT_TRUE(torch::equal(first.mean, second.mean));
  // A reopened cache serves the same vectors.
  LatentCache reopened(dir_->file("cache-repeat"), r->hidden_size());
  LatentQueries third = r->embed(prompts, LatentQueryOptions(), &reopened);
  EXPECT_EQ(third.computed, 0);
  EXPECT_TRUE(torch::equal(first.last, third.last));
}

TEST_F(ReasonerTest, AChangedCheckpointNeverServesStaleVectors) {
  const std::string changed = dir_->file("reasoner-changed");
  fs::create_directories(changed);
  for (const char* f : {"config.json", "tokenizer.model"})
    fs::copy_file(dir_->file("reasoner") + "/" + f, changed + "/" + f);
  {
    auto d = Decoder::load(dir_->file("reasoner"));
    torch::NoGradGuard g;
    d->weight(TensorRole::kFfnDown, 0).add_(0.05);
    d->save(changed);
  }
  auto original = Reasoner::load(dir_->file("reasoner"));
  auto modified = Reasoner::load(changed);
  EXPECT_NE(original->checkpoint_hash(), modified->checkpoint_hash());
  LatentCache cache(dir_->file("cache-shared"), original->hidden_size());
  const std::vector<std::string> prompts = {"Market: SG\n- Voucher status: expiring"};
  LatentQueries a = original->embed(prompts, LatentQueryOptions(), &cache);
  LatentQueries b = modified->embed(prompts, LatentQueryOptions(), &cache);
  EXPECT_EQ(b.computed, 1);  // a miss: the key holds the checkpoint hash
  EXPECT_FALSE(torch::allclose(a.last, b.last));
  EXPECT_EQ(original->embed(prompts, LatentQueryOptions(), &cache).cached, 1);
}

TEST_F(ReasonerTest, EmbeddingsDoNotDependOnTheBatch) {
  auto r = Reasoner::load(dir_->file("reasoner"));
  const std::vector<std::string> prompts = {
      "Market: SG", "Market: BR\n- Refund status: requested and waiting", "Help centre"};
  LatentQueryOptions together;
  together.batch = 3;
  LatentQueries all = r->embed(prompts, together, nullptr);
  for (size_t i = 0; i < prompts.size(); ++i) {
    LatentQueries one = r->embed({prompts[i]}, LatentQueryOptions(), nullptr);
    EXPECT_TRUE(torch::allclose(one.last[0], all.last[static_cast<int64_t>(i)], 1e-4, 1e-5)) << i;
    EXPECT_TRUE(torch::allclose(one.mean[0], all.mean[static_cast<int64_t>(i)], 1e-4, 1e-5)) << i;
  }
}

// On the CPU, batches run one per intra-op thread (llm/parallel.h): every row, generated text and cache file
// equals what one thread computes, batch after batch.
TEST_F(ReasonerTest, BatchesOnSeveralThreadsGiveWhatOneThreadGives) {
  auto r = Reasoner::load(dir_->file("reasoner"));
  std::vector<std::string> prompts, texts;
  for (int i = 0; i < 95; ++i) {
    std::string p = "Market: " + std::string(i % 2 ? "SG" : "BR") + "\n- Orders: " + std::to_string(i);
    for (int k = 0; k < i % 5; ++k) p += "\n- Latest order status: to receive " + std::to_string(k);
    prompts.push_back(p);
    texts.push_back(i % 3 ? "Where is my parcel?" : "");
  }
  LatentQueryOptions gen;
  gen.max_new_tokens = 5;
  gen.batch = 4;  // 24 batches, the last short
  const int threads = at::get_num_threads();
  auto run = [&](int n, const std::string& cache_dir) {
    at::set_num_threads(n);
    LatentCache cache(dir_->file(cache_dir), r->hidden_size());
    auto generated = r->embed(prompts, gen, &cache);
    auto continued = r->embed_continued(prompts, texts, 4);
    // Every prompt twice, with another text the second time: the shared-prompt path.
    std::vector<std::string> twice = prompts, other = texts;
    twice.insert(twice.end(), prompts.begin(), prompts.end());
    other.insert(other.end(), texts.rbegin(), texts.rend());
    auto shared = r->embed_continued(twice, other, 4);
    return std::make_tuple(generated, continued, shared);
  };
  const auto one = run(1, "cache-one-thread");
  const auto two = run(2, "cache-two-threads");
  at::set_num_threads(threads);
  EXPECT_EQ(std::get<0>(one).texts, std::get<0>(two).texts);
  EXPECT_EQ(std::get<0>(two).computed, static_cast<int64_t>(prompts.size()));
  for (auto p : {Pooling::kLast, Pooling::kMean, Pooling::kQuery}) {
    EXPECT_TRUE(torch::equal(std::get<0>(one).pooled(p), std::get<0>(two).pooled(p))) << static_cast<int>(p);
    EXPECT_TRUE(torch::equal(std::get<1>(one).pooled(p), std::get<1>(two).pooled(p))) << static_cast<int>(p);
    EXPECT_TRUE(torch::equal(std::get<2>(one).pooled(p), std::get<2>(two).pooled(p))) << static_cast<int>(p);
  }
  // Both write the same cache files: rows reach the cache in batch order, whichever thread finished first.
  for (const auto& f : fs::directory_iterator(dir_->file("cache-one-thread")))
    EXPECT_EQ(sha256_file(f.path().string()),
              sha256_file(dir_->file("cache-two-threads") + "/" + f.path().filename().string()))
        << f.path().filename();
  // The cache written by two threads serves every row as computed.
  LatentCache reread(dir_->file("cache-two-threads"), r->hidden_size());
  auto cached = r->embed(prompts, gen, &reread);
  EXPECT_EQ(cached.computed, 0);
  EXPECT_EQ(cached.texts, std::get<0>(one).texts);
  EXPECT_TRUE(torch::equal(cached.query, std::get<0>(one).query));
}

TEST_F(ReasonerTest, GeneratedLatentQueriesAreCachedWithTheirText) {
  auto r = Reasoner::load(dir_->file("reasoner"));
  LatentCache cache(dir_->file("cache-gen"), r->hidden_size());
  LatentQueryOptions gen;
  gen.max_new_tokens = 4;
  const std::vector<std::string> prompts = {"Market: SG\n- Latest order status:"};
  LatentQueries a = r->embed(prompts, gen, &cache);
  LatentQueries plain = r->embed(prompts, LatentQueryOptions(), &cache);
  EXPECT_EQ(plain.computed, 1);  // another generation setting is another key
  LatentQueries again = r->embed(prompts, gen, &cache);
  EXPECT_EQ(again.computed, 0);
  EXPECT_EQ(again.texts, a.texts);
  EXPECT_TRUE(torch::equal(again.last, a.last));
  EXPECT_TRUE(torch::equal(again.query, a.query));
  // Without generation there is no text: the query embedding is the prompt's last token.
  EXPECT_TRUE(torch::equal(plain.query, plain.last));
}

TEST_F(ReasonerTest, QueryPoolingIsTheMeanOverTheTextAfterThePrompt) {
  auto r = Reasoner::load(dir_->file("reasoner"));
  const std::vector<std::string> prompts = {"Market: SG\n- Latest order status: to receive", "Market: BR"};
  const std::vector<std::string> texts = {"Where is my parcel?", ""};
  LatentQueries q = r->embed_continued(prompts, texts, 2);
  torch::NoGradGuard g;
  for (size_t i = 0; i < prompts.size(); ++i) {
    std::vector<int64_t> ids = r->prompt_ids(prompts[i]);
    const auto P = static_cast<int64_t>(ids.size());
    for (int64_t t : r->text_ids(texts[i])) ids.push_back(t);
    const auto T = static_cast<int64_t>(ids.size());
    auto h =
        r->model().forward(torch::tensor(ids, torch::kInt64).view({1, T}), torch::ones({1, T}, torch::kInt64),
                           torch::arange(T).view({1, T}))[0];  // [T, H]
    auto expected = T > P ? h.narrow(0, P, T - P).mean(0) : h[T - 1];
    EXPECT_TRUE(torch::allclose(q.query[static_cast<int64_t>(i)], expected, 1e-4, 1e-5)) << i;
    EXPECT_TRUE(torch::allclose(q.last[static_cast<int64_t>(i)], h[T - 1], 1e-4, 1e-5)) << i;
  }
  EXPECT_TRUE(torch::equal(q.pooled(Pooling::kQuery), q.query));
  EXPECT_TRUE(torch::equal(q.pooled(Pooling::kMean), q.mean));
}

// A reader of the last-token or query pooling skips the mean (LatentQueryOptions::mean): the same texts and
// the same other poolings, generated or given, the mean NaN. Its cache entries have their own keys: entries
// with every pooling serve it, its own never serve a reader of the mean.
TEST_F(ReasonerTest, WithoutTheMeanTheOtherPoolingsAreUnchanged) {
  auto r = Reasoner::load(dir_->file("reasoner"));
  const std::vector<std::string> prompts = {"Market: SG\n- Latest order status: to receive\n- Orders: 3",
                                            "Market: BR", "Market: MY\n- Orders: 1"};
  auto near = [](const torch::Tensor& a, const torch::Tensor& b) {
    return torch::allclose(a, b, 1e-4, 1e-5);
  };
  for (int tokens : {0, 4}) {
    LatentQueryOptions all, lean;
    all.max_new_tokens = lean.max_new_tokens = tokens;
    all.batch = lean.batch = 2;
    lean.mean = false;
    LatentCache full_cache(dir_->file("cache-all-" + std::to_string(tokens)), r->hidden_size());
    LatentCache lean_cache(dir_->file("cache-lean-" + std::to_string(tokens)), r->hidden_size());
    LatentQueries a = r->embed(prompts, all, &full_cache), b = r->embed(prompts, lean, &lean_cache);
    EXPECT_EQ(a.texts, b.texts) << tokens;
    EXPECT_TRUE(near(a.last, b.last)) << tokens;
    EXPECT_TRUE(near(a.query, b.query)) << tokens;
    EXPECT_TRUE(b.mean.isnan().all().item<bool>()) << tokens;
    EXPECT_EQ(r->embed(prompts, lean, &full_cache).computed, 0)
        << tokens;                                          // entries with every pooling serve
    LatentQueries c = r->embed(prompts, all, &lean_cache);  // its own entries do not
    EXPECT_EQ(c.computed, 3) << tokens;
    EXPECT_TRUE(near(c.mean, a.mean)) << tokens;
  }
  // Given texts, each prompt once and prompts shared by several texts.
  const std::vector<std::string> texts = {"Where is my parcel?", "", "Refund"};
  for (const auto& [ps, ts] :
       {std::make_pair(prompts, texts),
        std::make_pair(std::vector<std::string>{prompts[0], prompts[0], prompts[1], prompts[1]},
                       std::vector<std::string>{"Where is my parcel?", "", "Refund", "Speed up delivery"})}) {
    LatentQueries a = r->embed_continued(ps, ts, 2), b = r->embed_continued(ps, ts, 2, "", false);
    EXPECT_TRUE(near(a.last, b.last));
    EXPECT_TRUE(near(a.query, b.query));
    EXPECT_TRUE(b.mean.isnan().all().item<bool>());
  }
}

// Several texts after one prompt (a request's teacher candidates) run the prompt once; every row equals the
// same prompt + text run alone, empty texts and prompts of different lengths in one batch included.
TEST_F(ReasonerTest, TextsSharingAPromptEqualSeparateRuns) {
  auto r = Reasoner::load(dir_->file("reasoner"));
  const std::vector<std::string> distinct = {"Market: SG\n- Latest order status: to receive\n- Orders: 3",
                                             "Market: BR", "Market: MY\n- Orders: 1"};
  const std::vector<std::string> candidates = {"Where is my parcel?", "", "Refund",
                                               "Speed up delivery please", "Where is my parcel?"};
  std::vector<std::string> prompts, texts;
  for (size_t c = 0; c < candidates.size(); ++c)
    for (size_t p = 0; p < distinct.size(); ++p)
      if ((c + p) % 4 != 3) {  // rows of one prompt interleaved with others', not every pair present
        prompts.push_back(distinct[p]);
        texts.push_back(candidates[c]);
      }
  for (int batch : {1, 2, 3}) {  // prompts per batch: one, and mixed lengths padded together
    LatentQueries shared = r->embed_continued(prompts, texts, batch);
    ASSERT_EQ(shared.computed, static_cast<int64_t>(prompts.size()));
    for (size_t i = 0; i < prompts.size(); ++i) {
      LatentQueries alone = r->embed_continued({prompts[i]}, {texts[i]}, 1);  // one row: no sharing
      const auto row = static_cast<int64_t>(i);
      for (Pooling p : {Pooling::kLast, Pooling::kMean, Pooling::kQuery})
        EXPECT_TRUE(torch::allclose(shared.pooled(p)[row], alone.pooled(p)[0], 1e-4, 1e-5))
            << "batch " << batch << ", row " << i << ", pooling " << static_cast<int>(p);
    }
  }
}

// Prompts followed by given texts (QE-Rec's training texts) go through the cache too: a second call computes
// nothing and returns the same rows, a key is the pair (prompt, text), and no such key serves a generated
// latent query of the same characters. An entry computed with the mean pooling serves every reader; one
// computed for the last-token or query pooling (no mean) serves those, and a reader of the mean computes its
// own.
TEST_F(ReasonerTest, PromptsWithGivenTextsAreCached) {
  auto r = Reasoner::load(dir_->file("reasoner"));
  const std::vector<std::string> prompts = {"Market: SG\n- Latest order status: to receive", "Market: BR",
                                            "Market: BR"};
  const std::vector<std::string> texts = {"Where is my parcel?", "Refund", ""};
  auto direct = r->embed_continued(prompts, texts, 2);  // other batches: equal up to float rounding
  auto near = [](const torch::Tensor& a, const torch::Tensor& b) {
    return torch::allclose(a, b, 1e-4, 1e-5);
  };

  LatentCache cache(dir_->file("cache-continued"), r->hidden_size());
  EXPECT_TRUE(near(continued_latents(*r, &cache, prompts, texts, Pooling::kMean, ""), direct.mean));
  EXPECT_EQ(cache.size(), 3);
  for (Pooling p : {Pooling::kQuery, Pooling::kLast})
    EXPECT_TRUE(near(continued_latents(*r, &cache, prompts, texts, p, ""), direct.pooled(p)));
  EXPECT_EQ(cache.size(), 3);  // read, nothing computed

  LatentCache lean(dir_->file("cache-lean"), r->hidden_size());
  auto first = continued_latents(*r, &lean, prompts, texts, Pooling::kQuery, "");
  EXPECT_TRUE(near(first, direct.query));
  EXPECT_TRUE(near(continued_latents(*r, &lean, prompts, texts, Pooling::kLast, ""), direct.last));
  EXPECT_EQ(lean.size(), 3);
  EXPECT_TRUE(near(continued_latents(*r, &lean, prompts, texts, Pooling::kMean, ""), direct.mean));
  EXPECT_EQ(lean.size(), 6);  // the mean's own entries
  LatentCache reopened(dir_->file("cache-lean"), r->hidden_size());
  EXPECT_EQ(reopened.size(), 6);
  EXPECT_TRUE(torch::equal(continued_latents(*r, &reopened, prompts, texts, Pooling::kQuery, ""), first));
  EXPECT_EQ(reopened.hits(), 3);
  EXPECT_EQ(reopened.misses(), 0);

  const std::string h = r->checkpoint_hash();
  EXPECT_NE(continued_latent_key(h, "ab", "c"), continued_latent_key(h, "a", "bc"));
  EXPECT_NE(continued_latent_key(h, "Market: BR", ""), latent_key(h, 0, r->format("Market: BR")));
  EXPECT_NE(continued_latent_key(h, "Market: BR", "Refund", true),
            continued_latent_key(h, "Market: BR", "Refund", false));
  EXPECT_NE(latent_key(h, 24, "Market: BR", true), latent_key(h, 24, "Market: BR", false));
}

TEST_F(ReasonerTest, ARealCheckpointIsAReasonerToo) {
  // A Hugging Face Qwen3 directory (the transformers fixture with its byte-level BPE tokenizer): prompts get
  // the model's chat format, and latent queries go through the same cache.
  const std::string dir = dir_->file("qwen3");
  test::write_fixture_checkpoint("qwen3", dir);
  auto r = Reasoner::load(dir);
  EXPECT_EQ(
      r->format("Market: SG").rfind("<|im_start|>user\nMarket: SG<|im_end|>\n<|im_start|>assistant\n", 0),
      0u);
  EXPECT_TRUE(r->has_chat_format());
  EXPECT_EQ(r->format("Market: SG", "Be brief.")
                .rfind("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nMarket: SG<|im_end|>\n", 0),
            0u);
  EXPECT_EQ(r->prompt_ids("Market: SG", 1024, "Be brief."),
            r->tokenizer().encode(r->format("Market: SG", "Be brief.")));
  // The built-in reasoner has no chat format: the plain prompt, and no system message.
  auto built_in = Reasoner::load(dir_->file("reasoner"));
  EXPECT_FALSE(built_in->has_chat_format());
  EXPECT_EQ(built_in->format("Market: SG", "Be brief."), "Market: SG");
  LatentCache cache(dir_->file("cache-qwen3"), r->hidden_size());
  const std::vector<std::string> prompts = {"Market: SG\n- Refund status: requested", "Market: BR"};
  LatentQueries a = r->embed(prompts, LatentQueryOptions(), &cache);
  EXPECT_EQ(a.last.sizes(), (std::vector<int64_t>{2, r->hidden_size()}));
  EXPECT_EQ(a.computed, 2);
  EXPECT_EQ(r->embed(prompts, LatentQueryOptions(), &cache).cached, 2);
  EXPECT_NE(r->checkpoint_hash(), checkpoint_hash(dir_->file("reasoner")));
}

TEST_F(ReasonerTest, BadOptionsAreNamed) {
  auto o = test::tiny_reasoner_options(dir_->file("data"), dir_->file("bad"));
  o.heads = 3;
  EXPECT_EQ(test::error_of([&] { run_reasoner_pretrain(o); }),
            "--heads: hidden size / heads must be an even whole number");
  EXPECT_EQ(test::error_of([&] { Reasoner::load(dir_->file("no-such-dir")); }),
            dir_->file("no-such-dir") + ": reasoner directory not found");
}

}  // namespace
}  // namespace rgalign
