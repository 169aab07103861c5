// Training loop of the neural rankers: AdamW, warm-up then cosine or linear decay, gradient clipping, early
// stopping on validation GAUC with the best checkpoint kept, seeded and deterministic on CPU, metrics.jsonl
// per epoch, atomic safetensors checkpoints.
#pragma once

#include <cstdint>
#include <string>

#include "rgalign/data/dataset.h"
#include "rgalign/rank/train_run.h"

namespace rgalign {

struct NeuralTrainResult {
  int best_epoch = 0;
  double best_valid_gauc = 0;
  double samples_per_s = 0;
};

// Writes encoder.json, model_config.json and model.safetensors into opt.out.
NeuralTrainResult train_neural(const TrainOptions& opt, const Dataset& data);

}  // namespace rgalign
