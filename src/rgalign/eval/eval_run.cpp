// Evaluation entry point.
#include "rgalign/eval/eval_run.h"

#include <ATen/Parallel.h>

#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/data/dataset.h"
#include "rgalign/dist/gather.h"
#include "rgalign/eval/evaluate.h"
#include "rgalign/eval/paired.h"
#include "rgalign/rank/scorer.h"

namespace rgalign {

Json run_eval(const EvalOptions& opt) {
  if (opt.threads < 1) throw InputError("--threads", "must be at least 1");
  if (opt.bootstrap < 0) throw InputError("--bootstrap", "must be >= 0");
  at::set_num_threads(opt.threads);
  Dataset data = Dataset::open(opt.data);
  if (!data.has_split(opt.split)) throw InputError(data.split_path(opt.split), "split not found");
  std::unique_ptr<Scorer> scorer = load_scorer(opt.run, data);
  // Launched as several ranks: each scores its shard of the split, the groups are gathered in file order and
  // the metrics computed from all of them, equal to the single-process numbers exactly; rank 0 writes.
  DistGroup& dist = DistGroup::world();
  if (dist.distributed() && !opt.preds.empty())
    throw InputError("--preds", "writing predictions is single-process only",
                     "run eval without rgalign launch");
  std::unordered_set<int32_t> warm;
  EvalSplitOptions eo;
  if (dist.distributed()) {
    eo.shard = Shard{dist.rank(), dist.world_size(), kEvalBlockLines};
    std::vector<int64_t> mine;
    for (int32_t i : train_clicked_intents(data, Shard{dist.rank(), dist.world_size()})) mine.push_back(i);
    for (int64_t i : allgather_i64(dist, mine)) warm.insert(static_cast<int32_t>(i));
    eo.warm = &warm;
  }
  eo.split = opt.split;
  eo.preds_out = opt.preds;
  eo.policy = opt.skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict;
  eo.metrics.bootstrap_resamples = opt.bootstrap;
  eo.metrics.seed = opt.seed;
  eo.metrics.threads = opt.threads;
  std::vector<int64_t> lines, base_lines;
  GroupedScores groups = gather_groups(dist, lines, score_split(*scorer, data, eo, &lines));
  std::unique_ptr<Scorer> base;
  GroupedScores base_groups;
  if (!opt.baseline.empty()) {
    base = load_scorer(opt.baseline, data);
    EvalSplitOptions bo = eo;
    bo.preds_out.clear();
    base_groups = gather_groups(dist, base_lines, score_split(*base, data, bo, &base_lines));
  }
  if (!dist.is_root()) return Json::object();  // rank 0 has every group and writes the metrics
  MetricSet m = compute_metrics(groups, eo.metrics);
  Json j = metrics_to_json(m);
  if (base) {
    Json paired = paired_comparison(base_groups, groups, eo.metrics);
    paired["baseline"] = opt.baseline;
    spdlog::info("{} minus {}: gauc {:+.4f} [{:+.4f}, {:+.4f}], recall@3 {:+.4f} [{:+.4f}, {:+.4f}]",
                 scorer->model_name(), base->model_name(), paired["gauc"]["diff"].get<double>(),
                 paired["gauc"]["ci95"][0].get<double>(), paired["gauc"]["ci95"][1].get<double>(),
                 paired["recall@3"]["diff"].get<double>(), paired["recall@3"]["ci95"][0].get<double>(),
                 paired["recall@3"]["ci95"][1].get<double>());
    j["paired"] = std::move(paired);
  }
  write_json_file(opt.out, j);
  spdlog::info("{} on {}: gauc {:.4f} recall@3 {:.4f} ndcg@3 {:.4f} over {} requests -> {}",
               scorer->model_name(), opt.split, m.gauc, m.recall_at[1], m.ndcg_at[0], m.n_groups, opt.out);
  return j;
}

}  // namespace rgalign
