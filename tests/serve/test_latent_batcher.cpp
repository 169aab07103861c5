// Latent-query micro-batching: prompts somebody waits for, and prompts offered for background computation.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "rgalign/serve/latent_batcher.h"

namespace rgalign {
namespace {

// A reasoner stand-in that records the batches it was given.
struct Recorder {
  std::mutex mu;
  std::vector<std::vector<std::string>> batches;
  LatentBatcher::Compute compute() {
    return [this](const std::vector<std::string>& prompts) {
      std::lock_guard<std::mutex> lock(mu);
      batches.push_back(prompts);
      std::vector<Latent> out(prompts.size());
      for (size_t i = 0; i < prompts.size(); ++i) out[i].text = "latent of " + prompts[i];
      return out;
    };
  }
  std::vector<std::vector<std::string>> seen() {
    std::lock_guard<std::mutex> lock(mu);
    return batches;
  }
};

constexpr auto kLong = std::chrono::seconds(60);

TEST(LatentBatcher, BackgroundPromptsWaitForAFullBatch) {
  Recorder rec;
  {
    LatentBatcher b(rec.compute(), /*max_batch=*/3, /*max_wait_ms=*/0, /*background_wait_ms=*/600000);
    // The reasoner stand-in blocks on the recorder's lock, so the full batch is still being computed when "c"
    // is submitted (without it, a computation finished first would leave "c" to a batch of its own).
    std::unique_lock<std::mutex> computing(rec.mu);
    EXPECT_TRUE(b.offer("a", 10));
    EXPECT_TRUE(b.offer("b", 10));
    EXPECT_TRUE(b.offer("b", 10));  // already queued: not twice
    EXPECT_TRUE(b.offer("c", 10));  // the batch is full: computed now
    auto f = b.submit("c");         // joins the pending computation
    computing.unlock();
    ASSERT_EQ(f.wait_for(kLong), std::future_status::ready);
    EXPECT_EQ(f.get().text, "latent of c");
  }
  ASSERT_EQ(rec.seen().size(), 1u);
  EXPECT_EQ(rec.seen()[0], (std::vector<std::string>{"a", "b", "c"}));
}

TEST(LatentBatcher, APromptSomebodyWaitsForEndsTheBackgroundWait) {
  Recorder rec;
  LatentBatcher b(rec.compute(), /*max_batch=*/16, /*max_wait_ms=*/0, /*background_wait_ms=*/600000);
  EXPECT_TRUE(b.offer("background", 10));
  auto f = b.submit("urgent");
  ASSERT_EQ(f.wait_for(kLong), std::future_status::ready);  // not after the ten-minute background wait
  EXPECT_EQ(f.get().text, "latent of urgent");
  ASSERT_EQ(rec.seen().size(), 1u);
  EXPECT_EQ(rec.seen()[0], (std::vector<std::string>{"background", "urgent"}));
}

TEST(LatentBatcher, SubmittingAnOfferedPromptEndsTheBackgroundWait) {
  Recorder rec;
  LatentBatcher b(rec.compute(), /*max_batch=*/16, /*max_wait_ms=*/0, /*background_wait_ms=*/600000);
  EXPECT_TRUE(b.offer("x", 10));
  auto f = b.submit("x");
  ASSERT_EQ(f.wait_for(kLong), std::future_status::ready);
  EXPECT_EQ(f.get().text, "latent of x");
}

TEST(LatentBatcher, OffersBeyondTheBacklogAreRefused) {
  Recorder rec;
  LatentBatcher b(rec.compute(), /*max_batch=*/16, /*max_wait_ms=*/0, /*background_wait_ms=*/600000);
  EXPECT_TRUE(b.offer("a", 2));
  EXPECT_TRUE(b.offer("b", 2));
  EXPECT_FALSE(b.offer("c", 2));
  EXPECT_TRUE(b.offer("a", 2));  // already pending
  b.submit("d").wait();          // ends the wait; a, b and d computed together
  EXPECT_EQ(rec.seen().at(0), (std::vector<std::string>{"a", "b", "d"}));
}

}  // namespace
}  // namespace rgalign
