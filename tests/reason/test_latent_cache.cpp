// The latent-query cache: hits after reopening, misses for another prompt, checkpoint or generation setting,
// and a cache that refuses vectors of the wrong size or a damaged index.
#include <gtest/gtest.h>

#include <filesystem>

#include "rgalign/common/atomic_file.h"
#include "rgalign/reason/latent_cache.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(LatentKey, ChangesWithCheckpointTokensAndPrompt) {
  const std::string k = latent_key("ckpt-a", 0, "Market: SG");
  EXPECT_EQ(k, latent_key("ckpt-a", 0, "Market: SG"));
  EXPECT_NE(k, latent_key("ckpt-b", 0, "Market: SG"));
  EXPECT_NE(k, latent_key("ckpt-a", 8, "Market: SG"));
  EXPECT_NE(k, latent_key("ckpt-a", 0, "Market: MY"));
  EXPECT_EQ(k.size(), 64u);
}

TEST(LatentCache, EntriesSurviveReopeningAndMissesAreCounted) {
  test::TempDir dir;
  const std::vector<float> l1 = {1, 2, 3}, m1 = {4, 5, 6}, q1 = {2, 2, 2}, l2 = {7, 8, 9}, m2 = {0, 1, 0},
                           q2 = {5, 5, 5};
  {
    LatentCache c(dir.path(), 3);
    EXPECT_EQ(c.size(), 0);
    c.put("a", l1.data(), m1.data(), q1.data(), "where is my parcel");
    c.flush();
    c.put("b", l2.data(), m2.data(), q2.data(), "");
    c.put("a", l2.data(), m2.data(), q2.data(), "ignored: already present");
  }  // the destructor flushes "b" as a second shard
  LatentCache c(dir.path(), 3);
  EXPECT_EQ(c.size(), 2);
  std::vector<float> l(3), m(3), q(3);
  std::string text;
  ASSERT_TRUE(c.lookup("a", l.data(), m.data(), q.data(), &text));
  EXPECT_EQ(l, l1);
  EXPECT_EQ(m, m1);
  EXPECT_EQ(q, q1);
  EXPECT_EQ(text, "where is my parcel");
  ASSERT_TRUE(c.lookup("b", nullptr, nullptr, q.data(), nullptr));
  EXPECT_EQ(q, q2);
  EXPECT_FALSE(c.lookup("c", l.data(), m.data(), q.data(), &text));
  EXPECT_EQ(c.hits(), 2);
  EXPECT_EQ(c.misses(), 1);
  EXPECT_TRUE(std::filesystem::exists(dir.file("shard-00000.safetensors")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("shard-00001.safetensors")));
}

TEST(LatentCache, AnotherRanksEntriesMergeIntoTheRootsCache) {
  test::TempDir dir;
  const std::vector<float> l1 = {1, 2, 3}, m1 = {4, 5, 6}, l2 = {7, 8, 9}, m2 = {0, 1, 0}, q2 = {3, 1, 4};
  std::string handed;
  {
    LatentCache worker(dir.path(), 3);
    worker.set_writable(false);  // a rank other than 0 never writes the cache's files
    worker.put("w", l2.data(), m2.data(), q2.data(), "text of w");
    worker.flush();
    EXPECT_FALSE(std::filesystem::exists(dir.file("index.json")));
    handed = worker.pending_bytes();
    worker.drop_pending();
    EXPECT_TRUE(worker.pending_bytes().size() < handed.size());
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("index.json")));
  {
    LatentCache root(dir.path(), 3);
    root.put("r", l1.data(), m1.data(), l1.data(), "");
    root.put_bytes(handed);
    root.flush();
  }
  LatentCache c(dir.path(), 3);
  EXPECT_EQ(c.size(), 2);
  std::vector<float> l(3), m(3), q(3);
  std::string text;
  ASSERT_TRUE(c.lookup("w", l.data(), m.data(), q.data(), &text));
  EXPECT_EQ(l, l2);
  EXPECT_EQ(m, m2);
  EXPECT_EQ(q, q2);
  EXPECT_EQ(text, "text of w");
  ASSERT_TRUE(c.lookup("r", l.data(), m.data(), q.data(), &text));
  EXPECT_EQ(l, l1);
}

TEST(LatentCache, AShardTheIndexDoesNotNameIsIgnored) {
  // A run killed after writing a shard but before the index: the shard's entries are simply recomputed.
  test::TempDir dir;
  const std::vector<float> v = {1, 2};
  {
    LatentCache c(dir.path(), 2);
    c.put("a", v.data(), v.data(), v.data(), "");
    c.flush();
  }
  write_file_atomic(dir.file("index.json"), R"({"version":2,"dim":2,"shards":[]})");
  LatentCache c(dir.path(), 2);
  EXPECT_FALSE(c.contains("a"));
  c.put("b", v.data(), v.data(), v.data(), "");
  c.flush();  // does not overwrite the orphaned shard
  LatentCache again(dir.path(), 2);
  EXPECT_TRUE(again.contains("b"));
}

TEST(LatentCache, WrongSizeAndDamagedIndexAreErrors) {
  test::TempDir dir;
  const std::vector<float> v = {1, 2};
  {
    LatentCache c(dir.path(), 2);
    c.put("a", v.data(), v.data(), v.data(), "");
  }
  EXPECT_EQ(test::error_of([&] { LatentCache c(dir.path(), 4); }),
            dir.file("index.json") +
                ": cache holds vectors of size 2, the reasoner gives 4 (use another --cache directory)");
  write_file_atomic(dir.file("index.json"), R"({"version":2,"dim":2,"shards":["../../etc/passwd"]})");
  EXPECT_EQ(test::error_of([&] { LatentCache c(dir.path(), 2); }),
            dir.file("index.json") + ": invalid shard name \"../../etc/passwd\"");
  write_file_atomic(dir.file("index.json"), R"({"dim":2})");
  EXPECT_EQ(test::error_of([&] { LatentCache c(dir.path(), 2); }),
            dir.file("index.json") + ": not a latent cache index (needs version, dim, shards)");
  // A cache written before query pooling lacks its vectors: named, with what to do.
  write_file_atomic(dir.file("index.json"), R"({"version":1,"dim":2,"shards":[]})");
  EXPECT_EQ(
      test::error_of([&] { LatentCache c(dir.path(), 2); }),
      dir.file("index.json") +
          ": cache version 1, expected 2 (delete the cache directory: its entries are computed again as "
          "they are needed)");
}

}  // namespace
}  // namespace rgalign
