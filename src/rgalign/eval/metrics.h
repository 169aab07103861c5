// The evaluation metrics of DESIGN.md section 4 over impression groups: GAUC (impression-weighted, uniform,
// click-weighted), pooled AUC, listwise logloss, Recall@{1,3,5}, NDCG@{3,5}, MRR, bootstrap intervals, oracle
// metrics and segments.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rgalign/common/json_util.h"
#include "rgalign/eval/ranking_metrics.h"

namespace rgalign {

// Groups stored flat: group g spans [offsets[g], offsets[g+1]) of scores/labels (and truth when present).
class GroupedScores {
 public:
  GroupedScores() { offsets_.push_back(0); }
  // scores, labels: [n]; truth: [n] or empty; segments: names this group belongs to ("market:SG").
  void add_group(const std::vector<float>& scores, const std::vector<float>& labels,
                 const std::vector<float>& truth = {}, const std::vector<std::string>& segments = {});
  void reserve(size_t n_groups, size_t n_impressions);

  size_t n_groups() const { return offsets_.size() - 1; }
  size_t n_impressions() const { return scores_.size(); }
  bool has_truth() const { return has_truth_; }
  const std::vector<float>& scores() const { return scores_; }
  const std::vector<float>& labels() const { return labels_; }
  const std::vector<float>& truth() const { return truth_; }
  const std::vector<int64_t>& offsets() const { return offsets_; }
  // segment name -> member groups, ascending
  const std::map<std::string, std::vector<int32_t>>& segments() const { return segments_; }

 private:
  std::vector<float> scores_, labels_, truth_;
  std::vector<int64_t> offsets_;
  std::map<std::string, std::vector<int32_t>> segments_;
  bool has_truth_ = true;  // true until a group without truth arrives
};

struct MetricsOptions {
  int bootstrap_resamples = 1000;  // 0 disables intervals
  uint64_t seed = 0;
  int threads = 2;
  bool segments = true;
};

struct Interval {
  double lo = 0, hi = 0;
};

struct MetricSet {
  int64_t n_groups = 0, n_groups_skipped = 0, n_impressions = 0;
  double gauc = 0, gauc_uniform = 0, gauc_click_weighted = 0, auc = 0, logloss = 0, error_rate = 0;
  double recall_at[3] = {}, ndcg_at[2] = {}, mrr = 0;
  std::map<std::string, Interval> ci95;                 // gauc, recall@3, ndcg@3
  std::optional<std::map<std::string, double>> oracle;  // gauc, recall@3, ndcg@3
  std::map<std::string, MetricSet> segments;
};

// Everything, with intervals, oracle (when every group has truth) and segments.
MetricSet compute_metrics(const GroupedScores& data, const MetricsOptions& opt = {});

// Per-group statistics, computed in parallel over `threads`; `use_truth` scores with the truth instead.
std::vector<GroupStats> compute_group_stats(const GroupedScores& data, int threads, bool use_truth = false);
// Aggregates over the listed groups (all when `members` is null); pooled AUC is computed from `data`.
MetricSet aggregate(const GroupedScores& data, const std::vector<GroupStats>& stats,
                    const std::vector<int32_t>* members);

// The contract's key order; NaN (undefined, e.g. no non-skipped group) is written as null.
Json metrics_to_json(const MetricSet& m);

}  // namespace rgalign
