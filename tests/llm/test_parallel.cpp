// parallel_items: the item loops of tokenizing, teachers and BM25 really use the intra-op threads (our
// translation units are compiled with OpenMP; without it at::parallel_for runs everything on one thread).
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "rgalign/llm/parallel.h"

namespace rgalign {
namespace {

class ParallelItems : public ::testing::Test {
 protected:
  void SetUp() override { before_ = at::get_num_threads(); }
  void TearDown() override { at::set_num_threads(before_); }
  int before_ = 1;
};

TEST_F(ParallelItems, EveryItemOnceOverTwoThreads) {
  at::set_num_threads(2);
  std::vector<int> visits(10000, 0);
  std::set<std::thread::id> threads;
  std::mutex mu;
  parallel_items(visits.size(), [&](size_t i) {
    ++visits[i];
    std::lock_guard<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
  });
  for (size_t i = 0; i < visits.size(); ++i) ASSERT_EQ(visits[i], 1) << i;
  EXPECT_EQ(threads.size(), 2u);
}

TEST_F(ParallelItems, OneThreadAndFewItemsRunOnTheCaller) {
  at::set_num_threads(1);
  std::set<std::thread::id> threads;
  parallel_items(1000, [&](size_t) { threads.insert(std::this_thread::get_id()); });
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
  at::set_num_threads(2);
  threads.clear();
  parallel_items(10, [&](size_t) { threads.insert(std::this_thread::get_id()); });  // under one grain
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST_F(ParallelItems, AnItemsExceptionReachesTheCaller) {
  at::set_num_threads(2);
  try {
    parallel_items(5000, [&](size_t i) {
      if (i == 4321) throw std::invalid_argument("item 4321 is bad");
    });
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "item 4321 is bad");
  }
}

}  // namespace
}  // namespace rgalign
