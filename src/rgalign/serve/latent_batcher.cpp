// Latent-query micro-batching.
#include "rgalign/serve/latent_batcher.h"

#include <algorithm>
#include <chrono>

namespace rgalign {

LatentBatcher::LatentBatcher(Compute compute, size_t max_batch, int max_wait_ms, int background_wait_ms,
                             OnBatch on_batch)
    : compute_(std::move(compute)),
      max_batch_(std::max<size_t>(1, max_batch)),
      max_wait_ms_(std::max(0, max_wait_ms)),
      background_wait_ms_(std::max(0, background_wait_ms)),
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
  return enqueue(prompt, /*waited_for=*/true);
}

bool LatentBatcher::offer(const std::string& prompt, size_t max_pending) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.count(prompt)) return true;
  if (queue_.size() >= max_pending) return false;
  enqueue(prompt, /*waited_for=*/false);
  return true;
}

// Called with mu_ held.
std::shared_future<Latent> LatentBatcher::enqueue(const std::string& prompt, bool waited_for) {
  auto it = pending_.find(prompt);
  if (it == pending_.end()) {
    Pending p;
    p.future = p.promise.get_future().share();
    it = pending_.emplace(prompt, std::move(p)).first;
    queue_.push_back(prompt);
  } else if (!waited_for || it->second.waited_for ||
             std::find(queue_.begin(), queue_.end(), prompt) == queue_.end()) {
    return it->second.future;  // queued already, or being computed now
  }
  if (waited_for) {
    it->second.waited_for = true;
    ++waited_for_queued_;
  }
  cv_.notify_all();
  return it->second.future;
}

void LatentBatcher::run() {
  for (;;) {
    std::vector<std::string> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      const auto start = std::chrono::steady_clock::now();
      auto full = [&] { return stop_ || queue_.size() >= max_batch_; };
      if (waited_for_queued_ == 0)  // background only: until full or somebody waits
        cv_.wait_until(lock, start + std::chrono::milliseconds(background_wait_ms_),
                       [&] { return full() || waited_for_queued_ > 0; });
      if (waited_for_queued_ > 0) cv_.wait_until(lock, start + std::chrono::milliseconds(max_wait_ms_), full);
      while (!queue_.empty() && batch.size() < max_batch_) {
        const auto it = pending_.find(queue_.front());
        if (it->second.waited_for) --waited_for_queued_;
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
        it->second.promise.set_exception(error);
      else
        it->second.promise.set_value(out[i]);
      pending_.erase(it);
    }
  }
}

}  // namespace rgalign
