// Batched ranker scoring.
#include "rgalign/serve/score_batcher.h"

namespace rgalign {

ScoreBatcher::ScoreBatcher(std::shared_ptr<ServedModel> model, size_t max_batch, int workers,
                           OnBatch on_batch)
    : model_(std::move(model)), max_batch_(std::max<size_t>(1, max_batch)), on_batch_(std::move(on_batch)) {
  for (int w = 0; w < std::max(1, workers); ++w) workers_.emplace_back([this] { run(); });
}

ScoreBatcher::~ScoreBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

std::future<std::vector<float>> ScoreBatcher::submit(const Request& r, const Latent* query, bool fallback) {
  Job job{&r, query, fallback, {}};
  auto f = job.done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return f;
}

void ScoreBatcher::run() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (on_batch_) on_batch_(batch.size());
    // One pass per ranker: the main ranker's jobs and the fallback ranker's.
    std::vector<Job> main, fallback;
    for (auto& j : batch) (j.fallback ? fallback : main).push_back(std::move(j));
    score(main);
    score(fallback);
  }
}

void ScoreBatcher::score(std::vector<Job>& jobs) {
  if (jobs.empty()) return;
  std::vector<Request> requests;
  std::vector<const Latent*> queries;
  requests.reserve(jobs.size());
  for (const auto& j : jobs) {
    requests.push_back(*j.request);
    queries.push_back(j.query);
  }
  try {
    std::vector<std::vector<float>> scores = model_->score_batch(requests, queries, jobs.front().fallback);
    for (size_t i = 0; i < jobs.size(); ++i) jobs[i].done.set_value(std::move(scores[i]));
  } catch (...) {
    for (auto& j : jobs) j.done.set_exception(std::current_exception());
  }
}

}  // namespace rgalign
