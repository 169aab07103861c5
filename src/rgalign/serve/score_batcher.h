// Batched ranker scoring across concurrent requests. A ranker forward pass costs about the same for one
// request as for a few dozen (its cost is mostly per-operation overhead at serving sizes), so under load the
// requests waiting to be scored are taken together, up to `max_batch`, and scored in one pass per ranker
// (main or fallback). Nothing waits for a batch to fill: a request arriving alone is scored at once, and
// batches form only from requests already queued. `workers` threads score batches in parallel.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "rgalign/serve/served_model.h"

namespace rgalign {

class ScoreBatcher {
 public:
  using OnBatch = std::function<void(size_t)>;
  ScoreBatcher(std::shared_ptr<ServedModel> model, size_t max_batch, int workers, OnBatch on_batch = nullptr);
  ~ScoreBatcher();
  ScoreBatcher(const ScoreBatcher&) = delete;
  ScoreBatcher& operator=(const ScoreBatcher&) = delete;

  // The scores of r's candidates (ServedModel::score_batch); `r` and `query` must outlive the returned
  // future.
  std::future<std::vector<float>> submit(const Request& r, const Latent* query, bool fallback);

 private:
  struct Job {
    const Request* request;
    const Latent* query;
    bool fallback;
    std::promise<std::vector<float>> done;
  };
  void run();
  void score(std::vector<Job>& jobs);
  std::shared_ptr<ServedModel> model_;
  size_t max_batch_;
  OnBatch on_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace rgalign
