// Micro-batching of latent-query computation across concurrent requests: prompts wait up to `max_wait_ms`
// for others to join (at most `max_batch`), then one reasoner pass computes them all. A prompt already
// waiting is not queued twice. One worker thread; the reasoner is never entered concurrently.
//
// Prompts offered for background computation (the fallback path: nobody waits for them) wait up to
// `background_wait_ms` instead, so that they are computed in full batches rather than one reasoner pass
// each; a prompt somebody waits for ends that wait.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rgalign/serve/served_model.h"

namespace rgalign {

class LatentBatcher {
 public:
  using Compute = std::function<std::vector<Latent>(const std::vector<std::string>&)>;
  using OnBatch = std::function<void(size_t)>;
  LatentBatcher(Compute compute, size_t max_batch, int max_wait_ms, int background_wait_ms,
                OnBatch on_batch = nullptr);
  ~LatentBatcher();
  LatentBatcher(const LatentBatcher&) = delete;
  LatentBatcher& operator=(const LatentBatcher&) = delete;

  std::shared_future<Latent> submit(const std::string& prompt);
  // For background computation (the fallback path): queues the prompt unless the queue already holds
  // `max_pending` prompts; false when it was not queued (it will be asked for again).
  bool offer(const std::string& prompt, size_t max_pending);

 private:
  struct Pending {
    std::promise<Latent> promise;
    std::shared_future<Latent> future;
    bool waited_for = false;  // submitted, not only offered
  };
  void run();
  std::shared_future<Latent> enqueue(const std::string& prompt, bool waited_for);
  Compute compute_;
  size_t max_batch_;
  int max_wait_ms_, background_wait_ms_;
  size_t waited_for_queued_ = 0;  // queued prompts somebody waits for
  OnBatch on_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::map<std::string, Pending> pending_;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace rgalign
