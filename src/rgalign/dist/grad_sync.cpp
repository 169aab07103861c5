// Bucketed gradient all-reduce overlapped with backward.
#include "rgalign/dist/grad_sync.h"

#include "rgalign/common/error.h"

namespace rgalign {

void broadcast_tensors(DistGroup& group, const std::vector<torch::Tensor>& tensors, int root) {
  if (!group.active()) return;
  torch::NoGradGuard no_grad;
  for (const auto& p : tensors) {
    auto t = p.detach();
    group.broadcast(t, root);
  }
}

void broadcast_module(DistGroup& group, torch::nn::Module& module, int root) {
  broadcast_tensors(group, module.parameters(), root);
  broadcast_tensors(group, module.buffers(), root);
}

GradientSync::GradientSync(DistGroup& group, std::vector<torch::Tensor> params, size_t bucket_bytes)
    : group_(group), params_(std::move(params)) {
  if (!group_.active()) return;
  where_.resize(params_.size());
  size_t bytes = bucket_bytes;  // forces a new bucket for the first parameter
  for (size_t k = params_.size(); k-- > 0;) {
    const auto& p = params_[k];
    RG_ASSERT(p.requires_grad(), "GradientSync: a parameter does not require grad");
    const size_t n = static_cast<size_t>(p.numel()) * p.element_size();
    // A bucket holds one dtype and device; a new one starts when it is full or they change.
    if (bytes + n > bucket_bytes || buckets_.empty() ||
        params_[buckets_.back().params.front()].scalar_type() != p.scalar_type() ||
        params_[buckets_.back().params.front()].device() != p.device()) {
      buckets_.emplace_back();
      bytes = 0;
    }
    where_[k] = {buckets_.size() - 1, buckets_.back().params.size()};
    buckets_.back().params.push_back(k);
    bytes += n;
  }
  for (auto& b : buckets_) b.grads.resize(b.params.size());
  for (size_t k = 0; k < params_.size(); ++k)
    hooks_.push_back(params_[k].register_hook([this, k](torch::Tensor g) { on_grad(k, g); }));
}

GradientSync::~GradientSync() {
  for (size_t k = 0; k < hooks_.size(); ++k) params_[k].remove_hook(hooks_[k]);
}

void GradientSync::begin_step() {
  if (!group_.active()) return;
  for (auto& b : buckets_) {
    std::fill(b.grads.begin(), b.grads.end(), torch::Tensor());
    b.ready = 0;
    b.flat = torch::Tensor();
    b.wait = nullptr;
  }
  next_launch_ = 0;
  in_step_ = true;
}

void GradientSync::on_grad(size_t param, const torch::Tensor& grad) {
  if (!in_step_) return;  // a backward outside a synchronised step (none in training) is left alone
  auto [bi, slot] = where_[param];
  Bucket& b = buckets_[bi];
  if (!b.grads[slot].defined()) ++b.ready;
  // A parameter used twice in the graph gets its gradient summed by autograd before the hook; the hook
  // fires once. Holding it is safe: autograd accumulates into .grad, never into the tensor passed here.
  b.grads[slot] = b.grads[slot].defined() ? b.grads[slot] + grad : grad.detach();
  launch_ready();
}

void GradientSync::launch(Bucket& b) {
  std::vector<torch::Tensor> parts;
  parts.reserve(b.params.size());
  for (size_t s = 0; s < b.params.size(); ++s) {
    const auto& p = params_[b.params[s]];
    parts.push_back(b.grads[s].defined() ? b.grads[s].reshape({-1})
                                         : torch::zeros({p.numel()}, p.options().requires_grad(false)));
  }
  b.flat = torch::cat(parts);  // [sum of numel]
  b.wait = group_.allreduce_sum_async(b.flat);
}

void GradientSync::launch_ready() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].ready == buckets_[next_launch_].params.size())
    launch(buckets_[next_launch_++]);
}

void GradientSync::finish_step() {
  if (!group_.active()) return;
  in_step_ = false;
  while (next_launch_ < buckets_.size()) launch(buckets_[next_launch_++]);
  torch::NoGradGuard no_grad;
  for (auto& b : buckets_) {
    b.wait();
    int64_t offset = 0;
    for (size_t k : b.params) {
      auto& p = params_[k];
      auto g = b.flat.narrow(0, offset, p.numel()).view(p.sizes());
      offset += p.numel();
      if (p.grad().defined())
        p.mutable_grad().copy_(g);
      else
        p.mutable_grad() = g.clone();
    }
    b.flat = torch::Tensor();
    std::fill(b.grads.begin(), b.grads.end(), torch::Tensor());
  }
}

}  // namespace rgalign
