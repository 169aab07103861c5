// Item-parallel loops over the intra-op threads (at::set_num_threads), for work outside tensor operations:
// tokenizing, teachers' texts, BM25. The body must be thread-safe for distinct items; the first exception
// thrown by any item is rethrown on the calling thread.
#pragma once

#include <ATen/Parallel.h>

#include <cstddef>
#include <cstdint>

namespace rgalign {

// f(i) for every i in [0, n), in chunks of at least `grain` items per thread.
template <class F>
void parallel_items(size_t n, const F& f, int64_t grain = 64) {
  at::parallel_for(0, static_cast<int64_t>(n), grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(static_cast<size_t>(i));
  });
}

}  // namespace rgalign
