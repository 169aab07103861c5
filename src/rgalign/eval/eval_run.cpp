// Evaluation entry point.
#include "rgalign/eval/eval_run.h"

#include <ATen/Parallel.h>

#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/data/dataset.h"
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
  EvalSplitOptions eo;
  eo.split = opt.split;
  eo.preds_out = opt.preds;
  eo.policy = opt.skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict;
  eo.metrics.bootstrap_resamples = opt.bootstrap;
  eo.metrics.seed = opt.seed;
  eo.metrics.threads = opt.threads;
  GroupedScores groups = score_split(*scorer, data, eo);
  MetricSet m = compute_metrics(groups, eo.metrics);
  Json j = metrics_to_json(m);
  if (!opt.baseline.empty()) {
    std::unique_ptr<Scorer> base = load_scorer(opt.baseline, data);
    EvalSplitOptions bo = eo;
    bo.preds_out.clear();
    Json paired = paired_comparison(score_split(*base, data, bo), groups, eo.metrics);
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
