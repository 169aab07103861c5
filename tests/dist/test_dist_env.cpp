// The launch environment (RANK, WORLD_SIZE, ...) and request-file sharding.
#include <gtest/gtest.h>

#include <cstdlib>

#include "rgalign/data/requests.h"
#include "rgalign/dist/dist_env.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

// Sets the variables for one test and clears them after.
class Env : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(v);
  }
  static void set(const char* name, const char* value) { ::setenv(name, value, 1); }
};

TEST_F(Env, NoVariablesIsOneProcess) {
  DistEnv e = dist_env_from_environment();
  EXPECT_EQ(e.world_size, 1);
  EXPECT_EQ(e.rank, 0);
  EXPECT_FALSE(e.distributed());
}

TEST_F(Env, TorchrunVariablesAreRead) {
  set("WORLD_SIZE", "4");
  set("RANK", "3");
  set("LOCAL_RANK", "1");
  set("MASTER_ADDR", "10.0.0.7");
  set("MASTER_PORT", "29511");
  DistEnv e = dist_env_from_environment();
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "10.0.0.7");
  EXPECT_EQ(e.master_port, 29511);
  EXPECT_TRUE(e.distributed());
  EXPECT_FALSE(e.is_root());
}

TEST_F(Env, BadValuesNameTheVariable) {
  set("WORLD_SIZE", "2");
  EXPECT_NE(
      test::error_of([] { dist_env_from_environment(); }).find("RANK: WORLD_SIZE is 2 but RANK is not set"),
      std::string::npos);
  set("RANK", "2");
  EXPECT_NE(
      test::error_of([] { dist_env_from_environment(); }).find("RANK: \"2\" is not an integer in [0, 1]"),
      std::string::npos);
  set("RANK", "1");
  set("MASTER_PORT", "http");
  EXPECT_NE(test::error_of([] { dist_env_from_environment(); }).find("MASTER_PORT: \"http\""),
            std::string::npos);
  set("MASTER_PORT", "70000");
  EXPECT_NE(test::error_of([] { dist_env_from_environment(); }).find("MASTER_PORT"), std::string::npos);
  set("MASTER_PORT", "29500");
  set("WORLD_SIZE", "two");
  EXPECT_NE(test::error_of([] { dist_env_from_environment(); }).find("WORLD_SIZE"), std::string::npos);
}

TEST(Shard, LinesAreDealtRoundRobinAndEveryLineHasOneOwner) {
  for (int world : {1, 2, 3})
    for (int64_t block : {1, 4})
      for (int64_t line = 1; line <= 40; ++line) {
        int owners = 0;
        for (int r = 0; r < world; ++r) owners += Shard{r, world, block}.owns(line);
        EXPECT_EQ(owners, 1) << "world " << world << " block " << block << " line " << line;
      }
  EXPECT_TRUE((Shard{0, 2, 1}.owns(1)));
  EXPECT_TRUE((Shard{1, 2, 1}.owns(2)));
  EXPECT_TRUE((Shard{0, 2, 4}.owns(4)));
  EXPECT_TRUE((Shard{1, 2, 4}.owns(5)));
}

TEST(Shard, ReaderParsesOnlyItsOwnLines) {
  test::TempDir dir;
  test::write_small_world(dir.path(), 20, 1);
  Dataset data = Dataset::open(dir.path());
  const auto all =
      read_requests(data.split_path("train"), data.schema(), data.catalog(), BadInputPolicy::kStrict);
  ASSERT_GE(all.size(), 3u);
  std::vector<int64_t> lines;
  for (int r = 0; r < 2; ++r)
    for (const auto& q : read_requests(data.split_path("train"), data.schema(), data.catalog(),
                                       BadInputPolicy::kStrict, nullptr, Shard{r, 2, 1})) {
      EXPECT_EQ((q.line - 1) % 2, r);
      lines.push_back(q.line);
    }
  std::sort(lines.begin(), lines.end());
  std::vector<int64_t> expected;
  for (const auto& q : all) expected.push_back(q.line);
  EXPECT_EQ(lines, expected);
}

}  // namespace
}  // namespace rgalign
