// OpenAI-compatible chat-completions client with retries and a response cache.
#include "rgalign/align/chat_client.h"

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"
#include "rgalign/common/json_util.h"
#include "rgalign/common/logging.h"

namespace rgalign {

namespace fs = std::filesystem;

namespace {
Json messages_of(const ChatRequest& r) {
  Json m = Json::array();
  if (!r.system.empty()) m.push_back({{"role", "system"}, {"content", r.system}});
  m.push_back({{"role", "user"}, {"content", r.user}});
  return m;
}
}  // namespace

ChatCompletionClient::ChatCompletionClient(ChatClientOptions opt) : opt_(std::move(opt)) {
  const std::string& u = opt_.base_url;
  const size_t scheme_end = u.find("://");
  if (scheme_end == std::string::npos ||
      (u.compare(0, scheme_end, "http") != 0 && u.compare(0, scheme_end, "https") != 0))
    throw InputError("teachers.openai_base_url", "\"" + u + "\" is not an http:// or https:// URL");
  const size_t path_start = u.find('/', scheme_end + 3);
  scheme_host_port_ = u.substr(0, path_start);
  path_prefix_ = path_start == std::string::npos ? "" : u.substr(path_start);
  while (!path_prefix_.empty() && path_prefix_.back() == '/') path_prefix_.pop_back();
  if (opt_.model.empty()) throw InputError("teachers.openai_model", "a model name is required");
  if (!opt_.cache_dir.empty()) make_dirs(opt_.cache_dir);
}

std::string ChatCompletionClient::cache_key(const ChatRequest& r) const {
  Json k = {{"model", opt_.model},
            {"messages", messages_of(r)},
            {"temperature", r.temperature},
            {"max_tokens", r.max_tokens},
            {"sample", r.sample}};
  return sha256_hex(k.dump());
}

std::optional<std::string> ChatCompletionClient::cached(const std::string& key) const {
  if (opt_.cache_dir.empty()) return std::nullopt;
  const fs::path p = fs::path(opt_.cache_dir) / (key + ".json");
  if (!fs::exists(p)) return std::nullopt;
  try {
    Json j = read_json_file(p.string());
    return require_string(j, "content", p.string());
  } catch (const InputError& e) {
    spdlog::warn("teacher cache: ignoring unreadable entry {}: {}", p.string(), e.what());
    return std::nullopt;
  }
}

void ChatCompletionClient::store(const std::string& key, const ChatRequest& r,
                                 const std::string& content) const {
  if (opt_.cache_dir.empty()) return;
  write_json_file((fs::path(opt_.cache_dir) / (key + ".json")).string(), {{"model", opt_.model},
                                                                          {"messages", messages_of(r)},
                                                                          {"temperature", r.temperature},
                                                                          {"max_tokens", r.max_tokens},
                                                                          {"sample", r.sample},
                                                                          {"content", content}});
}

std::string ChatCompletionClient::post(const ChatRequest& r) {
  const std::string where = opt_.base_url + "/chat/completions";
  Json body = {{"model", opt_.model},
               {"messages", messages_of(r)},
               {"temperature", r.temperature},
               {"max_tokens", r.max_tokens}};
  const std::string payload = body.dump();
  double delay = opt_.backoff_s;
  std::string last_error;
  for (int attempt = 0; attempt <= opt_.retries; ++attempt) {
    if (attempt > 0) {
      ++retries_;
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      delay *= 2;
    }
    httplib::Client cli(scheme_host_port_);
    const auto secs = static_cast<time_t>(opt_.timeout_s);
    const auto usecs = static_cast<time_t>((opt_.timeout_s - static_cast<double>(secs)) * 1e6);
    cli.set_connection_timeout(secs, usecs);
    cli.set_read_timeout(secs, usecs);
    cli.set_write_timeout(secs, usecs);
    httplib::Headers headers;
    if (!opt_.api_key.empty()) headers.emplace("Authorization", "Bearer " + opt_.api_key);
    ++sent_;
    auto res = cli.Post(path_prefix_ + "/chat/completions", headers, payload, "application/json");
    if (!res) {
      last_error = "no response (" + httplib::to_string(res.error()) + ")";
      continue;
    }
    if (res->status == 429 || res->status >= 500) {
      last_error = "HTTP " + std::to_string(res->status);
      continue;
    }
    if (res->status != 200)
      throw InputError(where, "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 200),
                       res->status == 401 ? "check the API key variable (teachers.openai_api_key_env)" : "");
    Json j = parse_json(res->body, where);
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() ||
        !j["choices"][0].contains("message") || !j["choices"][0]["message"].contains("content") ||
        !j["choices"][0]["message"]["content"].is_string())
      throw InputError(where, "response has no choices[0].message.content string");
    return j["choices"][0]["message"]["content"].get<std::string>();
  }
  throw InputError(where, "failed after " + std::to_string(opt_.retries + 1) + " attempt(s): " + last_error);
}

std::string ChatCompletionClient::complete(const ChatRequest& r) {
  const std::string key = cache_key(r);
  if (auto hit = cached(key)) {
    ++hits_;
    return *hit;
  }
  std::string content = post(r);
  store(key, r, content);
  return content;
}

std::vector<std::optional<std::string>> ChatCompletionClient::complete_all(
    const std::vector<ChatRequest>& rs) {
  std::vector<std::optional<std::string>> out(rs.size());
  std::atomic<size_t> next{0};
  std::mutex log_mu;
  auto worker = [&]() {
    for (size_t i = next++; i < rs.size(); i = next++) {
      try {
        out[i] = complete(rs[i]);
      } catch (const InputError& e) {
        ++failures_;
        std::lock_guard<std::mutex> lock(log_mu);
        spdlog::warn("teacher {}: request {} failed: {}", opt_.model, i, e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::min<size_t>(static_cast<size_t>(opt_.concurrency), rs.size());
  for (size_t t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return out;
}

ChatClientStats ChatCompletionClient::stats() const {
  return {sent_.load(), hits_.load(), retries_.load(), failures_.load()};
}

}  // namespace rgalign
