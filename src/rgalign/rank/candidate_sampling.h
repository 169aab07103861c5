// Sampled-candidate listwise training: each training row keeps its clicked intents and a uniform sample of
// its other candidates, so a step scores K candidates per request instead of the market's ~200. With uniform
// sampling the softmax over the kept candidates is the full softmax's, restricted: every non-clicked
// candidate is equally likely to be kept, so no correction term is needed.
#pragma once

#include <cstdint>
#include <vector>

#include "rgalign/rank/encoded_data.h"

namespace rgalign {

// The columns of `b` each row trains on: [B, K] int64 indices into the row's candidate columns, clicked ones
// first (at most K of them), then non-clicked ones drawn without replacement from a generator seeded by
// (seed, row_keys[row]), so a row's sample depends on its key and not on which batch or rank holds it.
// K = min(k, the longest candidate list of the batch); columns past a row's candidates are padding (mask
// false). k <= 0 keeps every column.
struct CandidateColumns {
  torch::Tensor cols;  // [B, K] int64
  torch::Tensor mask;  // [B, K] bool
};
CandidateColumns sample_candidate_columns(const RankBatch& b, int64_t k, const std::vector<int64_t>& row_keys,
                                          uint64_t seed);

// `b` restricted to the given columns (cand, cand_mask, labels gathered; per-request fields shared).
RankBatch select_candidate_columns(const RankBatch& b, const CandidateColumns& c);

}  // namespace rgalign
