// Requests encoded into tensors for training and batched scoring. Candidates are padded to the longest list;
// a mask marks the real ones.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "rgalign/data/requests.h"
#include "rgalign/rank/feature_encoder.h"
#include "rgalign/rank/text_bow.h"

namespace rgalign {

struct RankBatch {
  torch::Tensor single;      // [B, S] int64 field ids
  torch::Tensor multi;       // [B, M, L] int64 field ids
  torch::Tensor multi_mask;  // [B, M, L] float32, 1 where present
  torch::Tensor cand;        // [B, C] int64 catalogue indices (0 where padded)
  torch::Tensor cand_mask;   // [B, C] bool
  torch::Tensor labels;      // [B, C] float32
  torch::Tensor bow;       // [B, Lp] int64 hashed n-grams of the request text (text-bow only; else undefined)
  torch::Tensor bow_mask;  // [B, Lp] float32
  torch::Tensor query;  // [B, E] float32 latent-query embeddings (qe-rec with a query tower; else undefined)
  int64_t size() const { return single.size(0); }
};

// All of a split, encoded once.
struct EncodedRequests {
  RankBatch all;
  int64_t size() const { return all.size(); }
  // Rows `idx` ([b] int64), trimmed to the longest candidate list among them.
  RankBatch take(const torch::Tensor& idx) const;
};

EncodedRequests encode_requests(const FeatureEncoder& enc, const std::vector<Request>& requests);
// Adds the requests' text bag of words (text-bow) to an encoding of the same requests.
void add_request_bow(EncodedRequests& e, const std::vector<Request>& requests, const Schema& schema,
                     const TextBowOptions& opt);

}  // namespace rgalign
