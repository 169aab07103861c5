// Latent-query micro-batching.
#include "rgalign/serve/latent_batcher.h"

#include <chrono>

namespace rgalign {

LatentBatcher::LatentBatcher(Compute compute, size_t max_batch, int max_wait_ms, OnBatch on_batch)
    : compute_(std::move(compute)),
      max_batch_(std::max<size_t>(1, max_batch)),
      max_wait_ms_(std::max(0, max_wait_ms)),
      on_batch_(std::move(on_batch)),
      worker_([this] { run(); }) {}

LatentBatcher::~LatentBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

std::shared_future<Latent> LatentBatcher::submit(const std::string& prompt) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(prompt);
  if (it != pending_.end()) return it->second.second;
  std::promise<Latent> p;
  std::shared_future<Latent> f = p.get_future().share();
  pending_.emplace(prompt, std::make_pair(std::move(p), f));
  queue_.push_back(prompt);
  cv_.notify_all();
  return f;
}

bool LatentBatcher::offer(const std::string& prompt, size_t max_pending) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.count(prompt)) return true;
    if (queue_.size() >= max_pending) return false;
  }
  submit(prompt);
  return true;
}

void LatentBatcher::run() {
  for (;;) {
    std::vector<std::string> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait_ms_);
      cv_.wait_until(lock, deadline, [&] { return stop_ || queue_.size() >= max_batch_; });
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    std::vector<Latent> out;
    std::exception_ptr error;
    try {
      out = compute_(batch);
    } catch (...) {
      error = std::current_exception();
    }
    if (on_batch_) on_batch_(batch.size());
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < batch.size(); ++i) {
      auto it = pending_.find(batch[i]);
      if (error)
        it->second.first.set_exception(error);
      else
        it->second.first.set_value(out[i]);
      pending_.erase(it);
    }
  }
}

}  // namespace rgalign
