// Item-parallel loops over the intra-op threads (at::set_num_threads). The body must be thread-safe for
// distinct items; the first exception thrown by any item is rethrown on the calling thread.
#pragma once

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace rgalign {

// For work outside tensor operations (tokenizing, teachers' texts, BM25): f(i) for every i in [0, n), in
// chunks of at least `grain` items per thread.
template <class F>
void parallel_items(size_t n, const F& f, int64_t grain = 64) {
  at::parallel_for(0, static_cast<int64_t>(n), grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(static_cast<size_t>(i));
  });
}

// For independent forward passes (batches of prompts): f(i) for every i in [0, n), each intra-op thread taking
// the next item when it is free, so that items of unequal cost (batches sorted by prompt length) balance.
// Inside f, tensor operators and BLAS run on the calling thread alone: a small model's operators (a decode
// step of the built-in reasoner: 32 rows, width 128) are too small to split across threads, where the
// synchronisation costs more than the work, while whole batches on separate cores share nothing. Thread-local
// state (InferenceMode, grad mode) does not reach the workers: f sets its own. With `parallel` false, or one
// thread, or already inside a parallel region, the items run in order on the calling thread.
template <class F>
void parallel_batches(size_t n, const F& f, bool parallel = true) {
  const auto workers = std::min<int64_t>(at::get_num_threads(), static_cast<int64_t>(n));
  if (!parallel || workers <= 1 || at::in_parallel_region()) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  at::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
    for (size_t i = next++; i < n && !failed; i = next++) {
      try {
        f(i);
      } catch (...) {
        failed = true;
        throw;
      }
    }
  });
}

// parallel_batches over consecutive ranges of `batch` items out of n: f(bi, begin, end) for batch bi, the
// last one short.
template <class F>
void parallel_ranges(size_t n, size_t batch, const F& f, bool parallel = true) {
  const size_t count = (n + batch - 1) / batch;
  parallel_batches(count, [&](size_t bi) { f(bi, bi * batch, std::min(n, (bi + 1) * batch)); }, parallel);
}

}  // namespace rgalign
