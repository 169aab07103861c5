// Split evaluation.
#include "rgalign/eval/evaluate.h"

#include <memory>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/progress.h"
#include "rgalign/data/truth.h"
#include "rgalign/eval/predictions.h"

namespace rgalign {

std::unordered_set<int32_t> train_clicked_intents(const Dataset& data, const Shard& shard) {
  std::unordered_set<int32_t> seen;
  if (!data.has_split("train")) return seen;
  BadInputLog log;  // bad training lines are the trainer's concern; here they only cannot mark an intent warm
  RequestReader reader(data.split_path("train"), data.schema(), data.catalog(), BadInputPolicy::kSkipBad,
                       &log);
  reader.set_shard(shard);
  Request r;
  while (reader.next(r))
    for (size_t k = 0; k < r.candidates.size(); ++k)
      if (r.labels[k] > 0) seen.insert(r.candidates[k]);
  return seen;
}

GroupedScores score_split(const Scorer& scorer, const Dataset& data, const EvalSplitOptions& opt,
                          std::vector<int64_t>* lines) {
  const std::string path = data.split_path(opt.split);
  std::unique_ptr<TruthIndex> truth;
  if (data.has_truth(opt.split))
    truth = std::make_unique<TruthIndex>(TruthIndex::load(data.truth_path(opt.split), data.catalog()));
  const std::unordered_set<int32_t> warm_read =
      opt.warm ? std::unordered_set<int32_t>() : train_clicked_intents(data);
  const std::unordered_set<int32_t>& warm = opt.warm ? *opt.warm : warm_read;

  std::unique_ptr<AtomicFile> preds;
  if (!opt.preds_out.empty()) preds = std::make_unique<AtomicFile>(opt.preds_out);
  BadInputLog bad;
  RequestReader reader(path, data.schema(), data.catalog(), opt.policy, &bad);
  reader.set_shard(opt.shard);
  GroupedScores groups;
  Request r;
  std::vector<float> truth_probs;
  int64_t missing_truth = 0;
  Progress progress("eval " + opt.split, 0, "requests");
  // Requests are scored in chunks (one block of kEvalBlockLines lines each) so that neural models run
  // batched.
  std::vector<Request> chunk;
  std::vector<std::vector<float>> chunk_scores;
  auto flush = [&]() {
    scorer.score_batch(chunk, chunk_scores);
    for (size_t c = 0; c < chunk.size(); ++c) {
      const Request& q = chunk[c];
      const std::vector<float>& scores = chunk_scores[c];
      truth_probs.clear();
      if (truth && !truth->probs_for(q.request_id, q.candidates, truth_probs)) {
        ++missing_truth;
        truth_probs.clear();
      }
      std::vector<std::string> segments = {"market:" + q.market};
      bool cold = false;
      for (size_t k = 0; k < q.candidates.size(); ++k)
        if (q.labels[k] > 0 && !warm.count(q.candidates[k])) cold = true;
      if (cold) segments.push_back("cold_intent");
      groups.add_group(scores, q.labels, truth_probs, segments);
      if (lines) lines->push_back(q.line);
      if (preds) {
        PredictionLine p;
        p.request_id = q.request_id;
        for (int32_t i : q.candidates) p.intent_ids.push_back(data.catalog().at(i).intent_id);
        p.scores = scores;
        p.labels = q.labels;
        p.truth = truth_probs;
        p.segments = segments;
        preds->stream() << prediction_to_json_line(p) << '\n';
      }
    }
    progress.advance(chunk.size());
    chunk.clear();
  };
  while (reader.next(r)) {
    if (!chunk.empty() && (r.line - 1) / kEvalBlockLines != (chunk.back().line - 1) / kEvalBlockLines)
      flush();
    chunk.push_back(std::move(r));
  }
  if (!chunk.empty()) flush();
  progress.finish();
  bad.report(path);
  if (missing_truth > 0)
    spdlog::warn("{}: {} request(s) have no truth row; oracle metrics omitted", path, missing_truth);
  if (preds) preds->commit();
  return groups;
}

MetricSet evaluate_split(const Scorer& scorer, const Dataset& data, const EvalSplitOptions& opt) {
  return compute_metrics(score_split(scorer, data, opt), opt.metrics);
}

}  // namespace rgalign
