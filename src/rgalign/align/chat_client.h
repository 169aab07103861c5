// A teacher behind any OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, Ollama, ...):
// POST {base_url}/chat/completions with a bearer key, a per-request timeout, retries with exponential backoff
// on connection errors, timeouts, 429 and 5xx, a limit on requests in flight, and an on-disk response cache
// keyed by model, messages and sampling parameters, so a rerun never queries the endpoint again.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rgalign {

struct ChatClientOptions {
  std::string base_url;  // e.g. http://127.0.0.1:8000/v1
  std::string model;
  std::string api_key;  // sent as "Authorization: Bearer ..." when not empty
  double timeout_s = 30;
  int retries = 3;
  double backoff_s = 0.5;  // first retry delay, doubled after each failure
  int concurrency = 4;
  std::string cache_dir;  // empty = no cache
};

struct ChatRequest {
  std::string system;  // may be empty
  std::string user;
  double temperature = 0.7;
  int max_tokens = 48;
  int sample = 0;  // index of the sample for this prompt: part of the cache key (samples differ)
};

struct ChatClientStats {
  int64_t sent = 0, cache_hits = 0, retries = 0, failures = 0;
};

class ChatCompletionClient {
 public:
  // Throws InputError naming `base_url` when it is not an http(s) URL.
  explicit ChatCompletionClient(ChatClientOptions opt);
  // The assistant message's content. Throws InputError after the last retry fails, or at once on a 4xx other
  // than 429 (a wrong key or model does not get better by retrying).
  std::string complete(const ChatRequest& r);
  // Many requests, at most `concurrency` in flight; a request that fails after its retries gives nullopt and
  // is counted in stats().failures (and logged), the others still complete.
  std::vector<std::optional<std::string>> complete_all(const std::vector<ChatRequest>& rs);
  ChatClientStats stats() const;
  // The cache key of a request: SHA-256 over model, messages and sampling parameters.
  std::string cache_key(const ChatRequest& r) const;

 private:
  std::optional<std::string> cached(const std::string& key) const;
  void store(const std::string& key, const ChatRequest& r, const std::string& content) const;
  std::string post(const ChatRequest& r);

  ChatClientOptions opt_;
  std::string scheme_host_port_, path_prefix_;
  std::atomic<int64_t> sent_{0}, hits_{0}, retries_{0}, failures_{0};
};

}  // namespace rgalign
