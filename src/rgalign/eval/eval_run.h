// `rgalign eval`: load a trained run, evaluate it on a split, write metrics.json.
#pragma once

#include <cstdint>
#include <string>

#include "rgalign/common/json_util.h"

namespace rgalign {

struct EvalOptions {
  std::string run;
  std::string data;
  std::string split = "test";
  std::string out;
  std::string preds;     // optional predictions JSONL
  std::string baseline;  // optional run to compare against (paired bootstrap)
  int bootstrap = 1000;
  uint64_t seed = 0;
  int threads = 2;
  bool skip_bad = false;

  template <class V>
  void visit(V&& v) {
    v("run", run, "run directory of a trained model", true);
    v("data", data, "dataset directory", true);
    v("split", split, "split to evaluate");
    v("out", out, "metrics JSON to write", true);
    v("preds", preds, "also write per-request predictions (JSONL) here");
    v("baseline", baseline,
      "run directory to compare against: adds \"paired\" (difference, paired-bootstrap 95% interval)");
    v("bootstrap", bootstrap, "bootstrap resamples for 95% intervals (0 = none)");
    v("seed", seed, "bootstrap seed");
    v("threads", threads, "CPU threads");
    v("skip-bad", skip_bad, "skip and count malformed lines (default: strict, fail on the first)");
  }
};

// Returns the metrics JSON it wrote.
Json run_eval(const EvalOptions& opt);

}  // namespace rgalign
