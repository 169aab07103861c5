// How far a ranker that reads only the features can get on a simulated world: scores a split with the
// world's own rules (sim/rules_scorer.h: the need rules and the Knowledge Base's intent shares, without the
// users' hidden taste) and prints its metrics beside the oracle's, as one parseable line. The gap between a
// ranker and this ceiling is what better use of the features (a better ranker, a better latent query) can
// still win; the gap between the ceiling and the oracle is the users' taste, which no feature shows.
//
//   build/bench/world_ceiling --data DIR [--split test] [--threads 2] [--out metrics.json]
#include <cstdio>

#include "bench_args.h"
#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/eval/evaluate.h"
#include "rgalign/sim/rules_scorer.h"

int main(int argc, char** argv) {
  using rgalign::bench::arg;
  using rgalign::bench::sarg;
  try {
    const std::string data_dir = sarg(argc, argv, "--data", "");
    if (data_dir.empty())
      throw rgalign::InputError("--data", "missing: a dataset written by rgalign simulate");
    const rgalign::Dataset data = rgalign::Dataset::open(data_dir);
    rgalign::sim::RulesScorer rules(data);
    rgalign::EvalSplitOptions eo;
    eo.split = sarg(argc, argv, "--split", "test");
    eo.metrics.threads = static_cast<int>(arg(argc, argv, "--threads", 2));
    const rgalign::MetricSet m = rgalign::evaluate_split(rules, data, eo);
    const std::string out = sarg(argc, argv, "--out", "");
    if (!out.empty()) rgalign::write_json_file(out, rgalign::metrics_to_json(m));
    auto cold = m.segments.find("cold_intent");
    std::printf(
        "name=world_ceiling split=%s groups=%ld gauc=%.4f recall3=%.4f ndcg3=%.4f oracle_gauc=%.4f "
        "oracle_recall3=%.4f cold_recall3=%.4f\n",
        eo.split.c_str(), static_cast<long>(m.n_groups), m.gauc, m.recall_at[1], m.ndcg_at[0],
        m.oracle ? m.oracle->at("gauc") : -1.0, m.oracle ? m.oracle->at("recall@3") : -1.0,
        cold != m.segments.end() ? cold->second.recall_at[1] : -1.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "world_ceiling: %s\n", e.what());
    return 1;
  }
}
