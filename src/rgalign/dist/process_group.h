// A process group over torch's c10d: a TCPStore rendezvous at MASTER_ADDR:MASTER_PORT, Gloo for CPU tensors
// and, in builds against a CUDA libtorch, NCCL for CUDA tensors. A world of one runs every collective as a
// no-op, so callers write one code path. A collective that fails (a peer rank died, the network broke, or
// nothing arrived within the timeout) throws DistError; no rank waits forever.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "rgalign/dist/dist_env.h"

namespace rgalign {

class DistError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Seconds a collective or the rendezvous may wait: $RGALIGN_DIST_TIMEOUT_S, default 300.
std::chrono::seconds dist_timeout_from_environment();

class DistGroup {
 public:
  // Joins the group described by `env`. A world of one joins nothing unless `join_alone` (then every
  // collective really runs through c10d: the single-GPU NCCL check). `use_nccl` selects NCCL for CUDA
  // tensors; it needs a build against a CUDA libtorch.
  DistGroup(const DistEnv& env, std::chrono::seconds timeout, bool use_nccl = false, bool join_alone = false);
  ~DistGroup();
  DistGroup(const DistGroup&) = delete;
  DistGroup& operator=(const DistGroup&) = delete;

  // The group of this process as launched (RANK, WORLD_SIZE, ... in the environment), created once.
  static DistGroup& world();

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  bool distributed() const { return env_.world_size > 1; }
  bool is_root() const { return env_.rank == 0; }
  // Whether item i of a list every rank holds (intents, distillation items) is this rank's to process.
  bool owns_item(int64_t i) const { return i % env_.world_size == env_.rank; }
  // Whether collectives go through c10d (a world of several, or one that joined alone).
  bool active() const { return active_; }

  // In place: every rank ends with the element-wise sum over ranks.
  void allreduce_sum(torch::Tensor& t);
  // Starts a sum all-reduce of `t` in place; the returned callable waits for it (and throws DistError).
  std::function<void()> allreduce_sum_async(torch::Tensor& t);
  // In place: every rank ends with root's values.
  void broadcast(torch::Tensor& t, int root = 0);
  // Every rank's bytes, indexed by rank.
  std::vector<std::string> allgather_bytes(const std::string& mine);
  void barrier();
  // Runs `f` on rank 0 alone while the other ranks wait for it, without the collective timeout (root-only
  // work such as pretraining the reasoner can take hours); rank 0 dying or `f` throwing fails every rank.
  // Every rank makes the same sequence of calls.
  void on_root(const std::string& what, const std::function<void()>& f);

 private:
  struct Impl;
  [[noreturn]] void fail(const char* op, const std::exception& e) const;
  DistEnv env_;
  std::chrono::seconds timeout_;
  std::unique_ptr<Impl> impl_;
  bool active_ = false;
  int64_t root_sections_ = 0;
};

}  // namespace rgalign
