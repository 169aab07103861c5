// Sampled-candidate listwise training.
#include "rgalign/rank/candidate_sampling.h"

#include <algorithm>
#include <stdexcept>

#include "rgalign/common/hash.h"

namespace rgalign {

CandidateColumns sample_candidate_columns(const RankBatch& b, int64_t k, const std::vector<int64_t>& row_keys,
                                          uint64_t seed) {
  const int64_t B = b.cand.size(0), C = b.cand.size(1);
  if (static_cast<int64_t>(row_keys.size()) != B)
    throw std::invalid_argument("sample_candidate_columns: one key per row is needed");
  const int64_t K = k <= 0 ? C : std::min(k, C);
  auto mask_c = b.cand_mask.to(torch::kCPU).contiguous();                  // [B, C]
  auto labels_c = b.labels.to(torch::kCPU, torch::kFloat32).contiguous();  // [B, C]
  auto cols = torch::zeros({B, K}, torch::kInt64);                         // [B, K]
  auto mask = torch::zeros({B, K}, torch::kBool);                          // [B, K]
  const bool* mp = mask_c.data_ptr<bool>();
  const float* lp = labels_c.data_ptr<float>();
  int64_t* cp = cols.data_ptr<int64_t>();
  bool* op = mask.data_ptr<bool>();
  std::vector<int64_t> clicked, others;
  for (int64_t r = 0; r < B; ++r) {
    clicked.clear();
    others.clear();
    for (int64_t c = 0; c < C; ++c) {
      if (!mp[r * C + c]) continue;
      (lp[r * C + c] > 0 ? clicked : others).push_back(c);
    }
    int64_t n = 0;
    for (int64_t c : clicked) {
      if (n == K) break;
      cp[r * K + n] = c;
      op[r * K + n++] = true;
    }
    // Partial Fisher-Yates: the first (K - n) slots of `others` become a uniform sample without replacement.
    uint64_t state = mix64(seed, static_cast<uint64_t>(row_keys[static_cast<size_t>(r)]));
    const auto m = static_cast<int64_t>(others.size());
    for (int64_t j = 0; j < m && n < K; ++j) {
      state = mix64(state, static_cast<uint64_t>(j));
      const int64_t pick = j + static_cast<int64_t>(state % static_cast<uint64_t>(m - j));
      std::swap(others[static_cast<size_t>(j)], others[static_cast<size_t>(pick)]);
      cp[r * K + n] = others[static_cast<size_t>(j)];
      op[r * K + n++] = true;
    }
  }
  const auto dev = b.cand.device();
  return {cols.to(dev), mask.to(dev)};
}

RankBatch select_candidate_columns(const RankBatch& b, const CandidateColumns& c) {
  RankBatch s = b;
  s.cand = b.cand.gather(1, c.cols);                                    // [B, K]
  s.cand_mask = b.cand_mask.gather(1, c.cols).logical_and(c.mask);      // [B, K]
  s.labels = b.labels.gather(1, c.cols) * c.mask.to(b.labels.dtype());  // [B, K]
  return s;
}

}  // namespace rgalign
