// Request encoding into tensors.
#include "rgalign/rank/encoded_data.h"

#include <algorithm>

namespace rgalign {

EncodedRequests encode_requests(const FeatureEncoder& enc, const std::vector<Request>& requests) {
  const auto n = static_cast<int64_t>(requests.size());
  const auto S = static_cast<int64_t>(enc.n_single()), M = static_cast<int64_t>(enc.n_multi()),
             L = static_cast<int64_t>(enc.max_len());
  size_t c_max = 1;
  for (const auto& r : requests) c_max = std::max(c_max, r.candidates.size());
  const auto C = static_cast<int64_t>(c_max);
  EncodedRequests e;
  RankBatch& b = e.all;
  b.single = torch::zeros({n, S}, torch::kInt64);
  b.multi = torch::zeros({n, M, L}, torch::kInt64);
  b.multi_mask = torch::zeros({n, M, L}, torch::kFloat32);
  b.cand = torch::zeros({n, C}, torch::kInt64);
  b.cand_mask = torch::zeros({n, C}, torch::kBool);
  b.labels = torch::zeros({n, C}, torch::kFloat32);
  int64_t* single = b.single.data_ptr<int64_t>();
  int64_t* multi = b.multi.data_ptr<int64_t>();
  float* mask = b.multi_mask.data_ptr<float>();
  int64_t* cand = b.cand.data_ptr<int64_t>();
  bool* cmask = b.cand_mask.data_ptr<bool>();
  float* labels = b.labels.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const Request& r = requests[static_cast<size_t>(i)];
    enc.encode(r, single + i * S, multi + i * M * L, mask + i * M * L);
    for (size_t k = 0; k < r.candidates.size(); ++k) {
      cand[i * C + static_cast<int64_t>(k)] = r.candidates[k];
      cmask[i * C + static_cast<int64_t>(k)] = true;
      labels[i * C + static_cast<int64_t>(k)] = r.labels[k];
    }
  }
  return e;
}

void add_request_bow(EncodedRequests& e, const std::vector<Request>& requests, const Schema& schema,
                     const TextBowOptions& opt) {
  std::vector<std::vector<int64_t>> rows;
  rows.reserve(requests.size());
  for (const auto& r : requests) rows.push_back(text_bow_ids(request_text(r, schema), opt));
  std::vector<int64_t> ids;
  std::vector<float> mask;
  const int64_t L = pad_bow(rows, ids, mask);
  const auto n = static_cast<int64_t>(requests.size());
  e.all.bow = torch::tensor(ids, torch::kInt64).view({n, L});
  e.all.bow_mask = torch::tensor(mask, torch::kFloat32).view({n, L});
}

RankBatch EncodedRequests::take(const torch::Tensor& idx) const {
  RankBatch b;
  b.cand_mask = all.cand_mask.index_select(0, idx);  // [b, C]
  const int64_t c = std::max<int64_t>(1, b.cand_mask.sum(/*dim=*/1).max().item<int64_t>());
  b.cand_mask = b.cand_mask.narrow(1, 0, c);
  b.single = all.single.index_select(0, idx);
  b.multi = all.multi.index_select(0, idx);
  b.multi_mask = all.multi_mask.index_select(0, idx);
  b.cand = all.cand.index_select(0, idx).narrow(1, 0, c);
  b.labels = all.labels.index_select(0, idx).narrow(1, 0, c);
  if (all.bow.defined()) {
    b.bow = all.bow.index_select(0, idx);
    b.bow_mask = all.bow_mask.index_select(0, idx);
  }
  if (all.query.defined()) b.query = all.query.index_select(0, idx);
  return b;
}

}  // namespace rgalign
