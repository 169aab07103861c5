// `rgalign train`: fit a ranker on a dataset and write a run directory.
#pragma once

#include <cstdint>
#include <string>

namespace rgalign {

struct TrainOptions {
  std::string data;
  std::string model = "popularity";
  std::string out;
  std::string reasoner;
  int epochs = 0;      // 0 = the model's default
  uint64_t seed = 0;
  double alpha = 1.0;  // popularity: additive smoothing per intent
  int threads = 2;
  bool skip_bad = false;

  template <class V>
  void visit(V&& v) {
    v("data", data, "dataset directory", true);
    v("model", model, "popularity|dnn|two-tower|text-bow|qe-rec");
    v("out", out, "run directory to create", true);
    v("reasoner", reasoner, "reasoner checkpoint directory (qe-rec)");
    v("epochs", epochs, "training epochs (0 = model default)");
    v("seed", seed, "random seed");
    v("alpha", alpha, "popularity smoothing (clicks added to every intent)");
    v("threads", threads, "CPU threads");
    v("skip-bad", skip_bad, "skip and count malformed lines instead of failing");
  }
};

// Trains and writes run.json, metrics.jsonl and the model. Throws InputError on bad options or data.
void run_training(TrainOptions opt);

}  // namespace rgalign
