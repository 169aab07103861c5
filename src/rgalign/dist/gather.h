// Exact distributed evaluation and data sharding helpers: what each rank read (request file lines) and
// scored (impression groups) gathered in file order, so every rank sees what one process reading the whole
// file would — metrics and bootstrap intervals computed from it equal the single-process numbers exactly,
// not an average of per-rank averages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rgalign/dist/process_group.h"
#include "rgalign/eval/metrics.h"

namespace rgalign {

// Every rank's values, concatenated in rank order.
std::vector<int64_t> allgather_i64(DistGroup& group, const std::vector<int64_t>& mine);

// Positions of this rank's requests in the whole file's order of valid requests.
struct GlobalIndex {
  int64_t n = 0;                         // valid requests over all ranks
  std::vector<int64_t> global_of_local;  // [local n]
  std::vector<int64_t> local_of_global;  // [n]: the local position, or -1 on another rank
};
// `lines`: the 1-based file line of each local request, ascending.
GlobalIndex global_index(DistGroup& group, const std::vector<int64_t>& lines);

// Every rank's per-request values (local order) placed in the whole file's order, on every rank.
std::vector<int64_t> to_global_order(DistGroup& group, const GlobalIndex& index,
                                     const std::vector<int64_t>& local);

// All ranks' groups in line order; `lines[g]` is the file line of local group g.
GroupedScores gather_groups(DistGroup& group, const std::vector<int64_t>& lines, const GroupedScores& local);

}  // namespace rgalign
