// Atomic writes: the target holds the old or the new content, never a partial one.
#include <gtest/gtest.h>

#include <filesystem>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/hash.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(AtomicFile, CommitReplacesContent) {
  test::TempDir dir;
  const std::string path = dir.file("a.txt");
  write_file_atomic(path, "old\n");
  write_file_atomic(path, "new\n");
  EXPECT_EQ(read_file(path), "new\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(AtomicFile, AbandonedWriteLeavesOldFile) {
  test::TempDir dir;
  const std::string path = dir.file("a.txt");
  write_file_atomic(path, "old\n");
  {
    AtomicFile f(path);
    f.stream() << "half of a new fi";
    // destroyed without commit(), as when an exception unwinds mid-write
  }
  EXPECT_EQ(read_file(path), "old\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(AtomicFile, UnwritableDirectoryNamesThePath) {
  std::string msg = test::error_of([] { AtomicFile f("/nonexistent-dir/x.json"); });
  EXPECT_NE(msg.find("/nonexistent-dir/x.json.tmp"), std::string::npos) << msg;
}

TEST(Hash, Sha256KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, MixIsStableAndSpreads) {
  EXPECT_EQ(mix64(1, 2), mix64(1, 2));
  EXPECT_NE(mix64(1, 2), mix64(2, 1));
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);  // published FNV-1a 64 test vector
}

}  // namespace
}  // namespace rgalign
