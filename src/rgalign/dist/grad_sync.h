// Data-parallel gradient synchronisation, as torch's DistributedDataParallel does it: parameters are grouped
// into buckets (in reverse registration order, roughly the order backward produces their gradients); a
// gradient hook marks each parameter ready, and a bucket's sum all-reduce starts as soon as it and every
// earlier bucket are complete, overlapping communication with the rest of backward. Buckets always start in
// the same order on every rank, so ranks whose graphs differ (a parameter unused on one rank) still match:
// missing gradients count as zeros when the step finishes.
//
// Gradients are summed, not averaged: each rank scales its loss by its share of the global batch
// (local rows / global rows), so the sum is exactly the single-process gradient of the global batch.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "rgalign/dist/process_group.h"

namespace rgalign {

// Copies root's parameters (and buffers) to every rank, so all start from identical weights.
void broadcast_module(DistGroup& group, torch::nn::Module& module, int root = 0);
void broadcast_tensors(DistGroup& group, const std::vector<torch::Tensor>& tensors, int root = 0);

class GradientSync {
 public:
  // `params`: the trained parameters (requires_grad). bucket_bytes: the all-reduce size DDP uses by default.
  GradientSync(DistGroup& group, std::vector<torch::Tensor> params, size_t bucket_bytes = 25u << 20);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Call before backward of each step.
  void begin_step();
  // Call after backward (also on a rank that had no rows this step and ran no backward): launches what is
  // left, waits, and leaves every parameter's .grad equal to the sum over ranks.
  void finish_step();
  size_t n_buckets() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<size_t> params;  // indices into params_
    std::vector<torch::Tensor> grads;
    size_t ready = 0;
    torch::Tensor flat;
    std::function<void()> wait;
  };
  void on_grad(size_t param, const torch::Tensor& grad);
  void launch_ready();
  void launch(Bucket& b);

  DistGroup& group_;
  std::vector<torch::Tensor> params_;
  std::vector<unsigned> hooks_;
  std::vector<std::pair<size_t, size_t>> where_;  // param -> (bucket, slot)
  std::vector<Bucket> buckets_;
  size_t next_launch_ = 0;
  bool in_step_ = false;
};

}  // namespace rgalign
