// Reward model.
#include "rgalign/align/reward.h"

#include "rgalign/common/error.h"
#include "rgalign/rank/losses.h"
#include "rgalign/rank/qe_rec_ranker.h"

namespace rgalign {

RewardKind parse_reward_kind(const std::string& name) {
  if (name == "listwise") return RewardKind::kListwise;
  if (name == "ndcg3") return RewardKind::kNdcg3;
  throw InputError("reward_model.reward", "unknown reward \"" + name + "\"", "listwise or ndcg3");
}

torch::Tensor rewards_from_logits(const torch::Tensor& logits, const torch::Tensor& labels,
                                  const torch::Tensor& mask, RewardKind kind) {
  auto l = logits.to(torch::kFloat64).masked_fill(mask.logical_not(), -1e300);  // [K, C]
  auto y = labels.to(torch::kFloat64) * mask.to(torch::kFloat64);               // [K, C]
  if (kind == RewardKind::kListwise) return (torch::softmax(l, 1) * y).sum(1);  // [K]
  const int64_t K = l.size(0), C = l.size(1);
  auto out = torch::zeros({K}, torch::kFloat64);
  auto la = l.contiguous();
  auto ya = y.contiguous();
  const double* lp = la.data_ptr<double>();
  const double* yp = ya.data_ptr<double>();
  double* op = out.data_ptr<double>();
  for (int64_t k = 0; k < K; ++k) {
    std::vector<int64_t> order(static_cast<size_t>(C));
    for (int64_t c = 0; c < C; ++c) order[static_cast<size_t>(c)] = c;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return lp[k * C + a] > lp[k * C + b]; });
    double dcg = 0, ideal = 0;
    int64_t clicks = 0;
    for (int64_t c = 0; c < C; ++c) clicks += yp[k * C + c] > 0 ? 1 : 0;
    for (int64_t r = 0; r < std::min<int64_t>(3, C); ++r) {
      if (yp[k * C + order[static_cast<size_t>(r)]] > 0) dcg += 1.0 / std::log2(static_cast<double>(r) + 2);
      if (r < clicks) ideal += 1.0 / std::log2(static_cast<double>(r) + 2);
    }
    op[k] = ideal > 0 ? dcg / ideal : 0.0;
  }
  return out;
}

BestOfN best_of_n(const std::vector<double>& rewards, double margin, int incumbent, double min_gain) {
  RG_ASSERT(incumbent < static_cast<int>(rewards.size()), "the incumbent is one of the candidates");
  BestOfN b;
  for (size_t i = 0; i < rewards.size(); ++i) {
    if (b.best < 0 || rewards[i] > rewards[static_cast<size_t>(b.best)]) b.best = static_cast<int>(i);
    if (b.worst < 0 || rewards[i] < rewards[static_cast<size_t>(b.worst)]) b.worst = static_cast<int>(i);
  }
  if (incumbent >= 0 &&
      rewards[static_cast<size_t>(b.best)] - rewards[static_cast<size_t>(incumbent)] < min_gain)
    b.best = incumbent;
  b.pair = b.best >= 0 && b.best != b.worst &&
           rewards[static_cast<size_t>(b.best)] - rewards[static_cast<size_t>(b.worst)] >= margin;
  return b;
}

std::unique_ptr<RewardModel> RewardModel::load(const std::string& run_dir, const Dataset& data) {
  std::unique_ptr<RewardModel> rm(new RewardModel());
  rm->run_ = load_ranker_run(run_dir, data);
  if (rm->run_.config.model != "qe-rec" || rm->run_.config.query_dim <= 0)
    throw InputError(run_dir, "a reward model must be a qe-rec run with a query tower");
  for (auto& p : rm->run_.model->parameters()) p.set_requires_grad(false);
  return rm;
}

QeRecRanker& RewardModel::ranker() {
  return static_cast<QeRecRanker&>(*run_.model);
}

torch::Tensor RewardModel::intent_embeddings() {
  torch::NoGradGuard no_grad;
  return ranker().intent_tower().detach().clone();
}

EncodedRequests RewardModel::encode(const std::vector<Request>& requests) const {
  return encode_requests(run_.encoder, requests);
}

torch::Tensor RewardModel::ranking_loss(const EncodedRequests& encoded, const std::vector<int64_t>& rows,
                                        const torch::Tensor& query) {
  RG_ASSERT(query.size(0) == static_cast<int64_t>(rows.size()), "one embedding per request");
  RankBatch b = encoded.take(torch::tensor(rows, torch::kInt64));
  b.query = query.to(torch::kCPU, torch::kFloat32);  // the RM runs on the CPU
  return listnet_loss(run_.model->forward(b), b.labels, b.cand_mask);  // scalar
}

std::vector<double> RewardModel::score(const std::vector<Request>& requests,
                                       const std::vector<int64_t>& owner, const torch::Tensor& query,
                                       RewardKind kind) {
  RG_ASSERT(query.size(0) == static_cast<int64_t>(owner.size()), "one embedding per candidate");
  EncodedRequests e = encode(requests);
  std::vector<double> out;
  out.reserve(owner.size());
  c10::InferenceMode guard;
  const int64_t K = query.size(0), step = 512;
  auto own = torch::tensor(owner, torch::kInt64);
  for (int64_t s = 0; s < K; s += step) {
    const int64_t n = std::min(step, K - s);
    RankBatch b = e.take(own.narrow(0, s, n));
    b.query = query.narrow(0, s, n);
    auto r = rewards_from_logits(run_.model->forward(b), b.labels, b.cand_mask, kind).contiguous();
    out.insert(out.end(), r.data_ptr<double>(), r.data_ptr<double>() + n);
  }
  return out;
}

}  // namespace rgalign
