// Training entry point: dispatch by model, record the run.
#include "rgalign/rank/train_run.h"

#include <filesystem>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/options.h"
#include "rgalign/data/dataset.h"
#include "rgalign/dist/process_group.h"
#include "rgalign/rank/neural_train.h"
#include "rgalign/rank/popularity.h"
#include "rgalign/rank/run_dir.h"

namespace rgalign {

namespace fs = std::filesystem;

void run_training(TrainOptions opt) {
  if (opt.threads < 1) throw InputError("--threads", "must be at least 1");
  const BadInputPolicy policy = opt.skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict;
  Dataset data = Dataset::open(opt.data, policy);
  if (!data.has_split("train")) throw InputError(data.split_path("train"), "missing training split");
  // Launched as several ranks, rank 0 writes the run directory; the others train their shards.
  DistGroup& dist = DistGroup::world();
  if (dist.is_root()) make_dirs(opt.out);
  const std::vector<std::string> inputs = {(fs::path(opt.data) / "schema.yaml").string(),
                                           (fs::path(opt.data) / "intents.jsonl").string(),
                                           data.split_path("train"), data.split_path("valid")};
  if (opt.model == "popularity") {
    if (!dist.is_root()) return;  // one streaming counting pass; nothing to share out
    BadInputLog bad;
    PopularityModel m = PopularityModel::fit(data, data.split_path("train"), opt.alpha, policy, &bad);
    bad.report(data.split_path("train"));
    m.save((fs::path(opt.out) / "model.json").string());
    append_metrics_line(opt.out,
                        {{"epoch", 0}, {"train_requests", m.train_requests()}, {"skipped_lines", bad.n_bad}});
    write_run_json(opt.out, "train", opt.model, options_to_json(opt), inputs);
    spdlog::info("popularity model from {} requests written to {}", m.train_requests(), opt.out);
    return;
  }
  if (opt.model == "dnn" || opt.model == "two-tower" || opt.model == "text-bow" || opt.model == "qe-rec") {
    if (dist.is_root())
      write_run_json(opt.out, "train", opt.model, options_to_json(opt), inputs);  // rewritten with results
    dist.barrier();  // the run directory exists before any rank works in it
    NeuralTrainResult r = train_neural(opt, data);
    if (!dist.is_root()) return;
    Json config = options_to_json(opt);
    config["world_size"] = dist.world_size();
    config["result"] = {{"best_epoch", r.best_epoch},
                        {"best_valid_gauc", r.best_valid_gauc},
                        {"train_samples_per_s", r.samples_per_s}};
    write_run_json(opt.out, "train", opt.model, config, inputs);
    spdlog::info("{}: best epoch {} (valid gauc {:.4f}), {:.0f} samples/s; run written to {}", opt.model,
                 r.best_epoch, r.best_valid_gauc, r.samples_per_s, opt.out);
    return;
  }
  throw InputError("--model", "unknown model \"" + opt.model + "\"",
                   "expected popularity|dnn|two-tower|text-bow|qe-rec");
}

}  // namespace rgalign
