// Metric aggregation over groups.
#include "rgalign/eval/metrics.h"

#include <cmath>
#include <limits>
#include <thread>

#include "rgalign/common/error.h"
#include "rgalign/eval/auc.h"
#include "rgalign/eval/bootstrap.h"

namespace rgalign {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
double ratio(double num, double den) {
  return den > 0 ? num / den : kNaN;
}
}  // namespace

void GroupedScores::add_group(const std::vector<float>& scores, const std::vector<float>& labels,
                              const std::vector<float>& truth, const std::vector<std::string>& segments) {
  RG_ASSERT(scores.size() == labels.size(), "scores and labels differ in length");
  RG_ASSERT(truth.empty() || truth.size() == scores.size(), "truth and scores differ in length");
  auto g = static_cast<int32_t>(n_groups());
  scores_.insert(scores_.end(), scores.begin(), scores.end());
  labels_.insert(labels_.end(), labels.begin(), labels.end());
  if (truth.empty()) has_truth_ = false;
  if (has_truth_)
    truth_.insert(truth_.end(), truth.begin(), truth.end());
  else
    truth_.clear();
  offsets_.push_back(static_cast<int64_t>(scores_.size()));
  for (const auto& s : segments) segments_[s].push_back(g);
}

void GroupedScores::reserve(size_t n_groups, size_t n_impressions) {
  offsets_.reserve(n_groups + 1);
  scores_.reserve(n_impressions);
  labels_.reserve(n_impressions);
}

std::vector<GroupStats> compute_group_stats(const GroupedScores& data, int threads, bool use_truth) {
  const size_t n = data.n_groups();
  std::vector<GroupStats> stats(n);
  const float* scores = use_truth ? data.truth().data() : data.scores().data();
  const float* labels = data.labels().data();
  const auto& off = data.offsets();
  auto run = [&](size_t lo, size_t hi) {
    std::vector<int32_t> scratch;
    for (size_t g = lo; g < hi; ++g)
      stats[g] =
          group_stats(scores + off[g], labels + off[g], static_cast<int32_t>(off[g + 1] - off[g]), scratch);
  };
  size_t t = static_cast<size_t>(std::max(1, threads));
  std::vector<std::thread> pool;
  for (size_t i = 1; i < t; ++i) pool.emplace_back(run, n * i / t, n * (i + 1) / t);
  run(0, n / t);
  for (auto& th : pool) th.join();
  return stats;
}

MetricSet aggregate(const GroupedScores& data, const std::vector<GroupStats>& stats,
                    const std::vector<int32_t>* members) {
  MetricSet m;
  double w_sum = 0, w_auc = 0, u_sum = 0, u_auc = 0, c_sum = 0, c_auc = 0;
  double hits[3] = {}, n_pos = 0, ndcg[2] = {}, rr = 0, ll = 0, with_click = 0;
  auto visit = [&](const GroupStats& g) {
    ++m.n_groups;
    m.n_impressions += g.n;
    if (std::isnan(g.auc)) {
      ++m.n_groups_skipped;
    } else {
      w_sum += g.n;
      w_auc += g.n * g.auc;
      u_sum += 1;
      u_auc += g.auc;
      c_sum += g.n_pos;
      c_auc += g.n_pos * g.auc;
    }
    if (g.n_pos > 0) {
      for (int r = 0; r < 3; ++r) hits[r] += g.hits_at[r];
      n_pos += g.n_pos;
      for (int r = 0; r < 2; ++r) ndcg[r] += g.ndcg_at[r];
      rr += g.reciprocal_rank;
      ll += g.listwise_logloss;
      with_click += 1;
    }
  };
  if (members) {
    for (int32_t g : *members) visit(stats[static_cast<size_t>(g)]);
  } else {
    for (const auto& g : stats) visit(g);
  }
  m.gauc = ratio(w_auc, w_sum);
  m.gauc_uniform = ratio(u_auc, u_sum);
  m.gauc_click_weighted = ratio(c_auc, c_sum);
  m.error_rate = 1.0 - m.gauc;
  for (int r = 0; r < 3; ++r) m.recall_at[r] = ratio(hits[r], n_pos);
  for (int r = 0; r < 2; ++r) m.ndcg_at[r] = ratio(ndcg[r], with_click);
  m.mrr = ratio(rr, with_click);
  m.logloss = ratio(ll, with_click);
  if (!members) {
    m.auc = pooled_auc(data.scores(), data.labels());
  } else {
    std::vector<float> s, l;
    const auto& off = data.offsets();
    for (int32_t g : *members)
      for (int64_t i = off[g]; i < off[g + 1]; ++i) {
        s.push_back(data.scores()[i]);
        l.push_back(data.labels()[i]);
      }
    m.auc = pooled_auc(s, l);
  }
  return m;
}

MetricSet compute_metrics(const GroupedScores& data, const MetricsOptions& opt) {
  std::vector<GroupStats> stats = compute_group_stats(data, opt.threads);
  std::vector<GroupStats> oracle_stats;
  if (data.has_truth() && data.n_groups() > 0) oracle_stats = compute_group_stats(data, opt.threads, true);

  auto one = [&](const std::vector<int32_t>* members, uint64_t seed) {
    MetricSet m = aggregate(data, stats, members);
    if (opt.bootstrap_resamples > 0)
      m.ci95 = bootstrap_ci95(stats, members, opt.bootstrap_resamples, seed, opt.threads);
    if (!oracle_stats.empty()) {
      MetricSet o = aggregate(data, oracle_stats, members);
      m.oracle = std::map<std::string, double>{
          {"gauc", o.gauc}, {"recall@3", o.recall_at[1]}, {"ndcg@3", o.ndcg_at[0]}};
    }
    return m;
  };
  MetricSet all = one(nullptr, opt.seed);
  if (opt.segments) {
    uint64_t k = 1;
    for (const auto& [name, members] : data.segments()) all.segments[name] = one(&members, opt.seed + k++);
  }
  return all;
}

namespace {
Json number_or_null(double x) {
  return std::isfinite(x) ? Json(x) : Json(nullptr);
}
}  // namespace

Json metrics_to_json(const MetricSet& m) {
  Json j;
  j["n_groups"] = m.n_groups;
  j["n_groups_skipped"] = m.n_groups_skipped;
  j["n_impressions"] = m.n_impressions;
  j["gauc"] = number_or_null(m.gauc);
  j["gauc_uniform"] = number_or_null(m.gauc_uniform);
  j["gauc_click_weighted"] = number_or_null(m.gauc_click_weighted);
  j["auc"] = number_or_null(m.auc);
  j["logloss"] = number_or_null(m.logloss);
  j["error_rate"] = number_or_null(m.error_rate);
  for (int r = 0; r < 3; ++r) j["recall@" + std::to_string(kRecallKs[r])] = number_or_null(m.recall_at[r]);
  for (int r = 0; r < 2; ++r) j["ndcg@" + std::to_string(kNdcgKs[r])] = number_or_null(m.ndcg_at[r]);
  j["mrr"] = number_or_null(m.mrr);
  Json ci = Json::object();
  for (const char* key : {"gauc", "recall@3", "ndcg@3"}) {
    auto it = m.ci95.find(key);
    if (it != m.ci95.end())
      ci[key] = Json::array({number_or_null(it->second.lo), number_or_null(it->second.hi)});
  }
  j["ci95"] = std::move(ci);
  if (m.oracle) {
    Json o;
    for (const char* key : {"gauc", "recall@3", "ndcg@3"}) o[key] = number_or_null(m.oracle->at(key));
    j["oracle"] = std::move(o);
  }
  {  // always present (empty inside a segment) so readers need no special case
    Json seg = Json::object();
    for (const auto& [name, s] : m.segments) seg[name] = metrics_to_json(s);
    j["segments"] = std::move(seg);
  }
  return j;
}

}  // namespace rgalign
