// The reward model of Ranking-Guided Alignment: a trained QE-Rec, frozen. The reward of a candidate latent
// query for a request is the RM's listwise probability of the clicked intent (softmax over the request's
// candidates) when the candidate's embedding fills the query tower; NDCG@3 of the RM's ranking is the option.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "rgalign/data/dataset.h"
#include "rgalign/rank/encoded_data.h"
#include "rgalign/rank/neural_scorer.h"

namespace rgalign {

class QeRecRanker;

enum class RewardKind { kListwise, kNdcg3 };
RewardKind parse_reward_kind(const std::string& name);

// Rewards of rows of logits [K, C] with labels [K, C] and mask [K, C] (bool): [K] float64.
// Listwise: sum of softmax(logits over real candidates) at clicked positions. NDCG@3: DCG of the clicked
// positions among the top 3 (ties broken by position) over the ideal DCG. Rows without a click get 0.
torch::Tensor rewards_from_logits(const torch::Tensor& logits, const torch::Tensor& labels,
                                  const torch::Tensor& mask, RewardKind kind);

// Best-of-N over one request's candidate rewards: the best and worst index (first on ties) and whether their
// reward margin reaches `margin` (a DPO pair). With an incumbent (the index of what the student writes now,
// or -1), another candidate is the best only when its reward exceeds the incumbent's by at least `min_gain`;
// otherwise the incumbent is, and the pair is judged against it.
struct BestOfN {
  int best = -1, worst = -1;
  bool pair = false;
};
BestOfN best_of_n(const std::vector<double>& rewards, double margin, int incumbent = -1, double min_gain = 0);

class RewardModel {
 public:
  // A qe-rec run directory with a query tower.
  static std::unique_ptr<RewardModel> load(const std::string& run_dir, const Dataset& data);
  // Rewards of K candidate latent queries: candidate k belongs to requests[owner[k]], its embedding is
  // query[k] ([K, E], the pooling the RM was trained with). Returns [K].
  std::vector<double> score(const std::vector<Request>& requests, const std::vector<int64_t>& owner,
                            const torch::Tensor& query, RewardKind kind);
  // The requests encoded as the RM reads them (for ranking_loss).
  EncodedRequests encode(const std::vector<Request>& requests) const;
  // The RM's ListNet loss on the requests `rows` of `encoded` when `query` ([B, E], one embedding per row)
  // fills the query tower: for a request with one click, minus the log of its listwise reward. The RM's
  // weights stay frozen; the loss is differentiable in `query`, so its gradient is the reward's own.
  torch::Tensor ranking_loss(const EncodedRequests& encoded, const std::vector<int64_t>& rows,
                             const torch::Tensor& query);
  QeRecRanker& ranker();
  const RankerConfig& config() const { return run_.config; }
  // Frozen intent-tower embeddings of every intent: [I, T].
  torch::Tensor intent_embeddings();

 private:
  LoadedRanker run_;
};

}  // namespace rgalign
