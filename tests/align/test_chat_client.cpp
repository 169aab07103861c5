// The OpenAI-compatible teacher client against a local stub server: answers, retries, timeouts, the cache.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "rgalign/align/chat_client.h"
#include "rgalign/common/json_util.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

// A chat-completions stub on an ephemeral port. `fail_first` requests answer 503; `delay_ms` delays every
// answer; the reply echoes the user message.
class StubServer {
 public:
  StubServer(int fail_first, int delay_ms) : fail_first_(fail_first), delay_ms_(delay_ms) {
    svr_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      const int n = ++calls_;
      last_auth_ = req.get_header_value("Authorization");
      if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
      if (n <= fail_first_) {
        res.status = 503;
        res.set_content("{\"error\":\"busy\"}", "application/json");
        return;
      }
      Json body = Json::parse(req.body);
      if (body["model"] == "missing-model") {
        res.status = 404;
        res.set_content("{\"error\":\"model not found\"}", "application/json");
        return;
      }
      const std::string user = body["messages"].back()["content"];
      Json reply = {
          {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", "echo: " + user}}}}}}};
      res.set_content(reply.dump(), "application/json");
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    while (!svr_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~StubServer() {
    svr_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int calls() const { return calls_; }
  std::string last_auth() const { return last_auth_; }

 private:
  httplib::Server svr_;
  std::thread thread_;
  int port_ = 0;
  int fail_first_, delay_ms_;
  std::atomic<int> calls_{0};
  std::string last_auth_;
};

ChatClientOptions options(const std::string& url, const std::string& cache) {
  ChatClientOptions o;
  o.base_url = url;
  o.model = "stub";
  o.api_key = "secret";
  o.timeout_s = 2;
  o.retries = 2;
  o.backoff_s = 0.01;
  o.cache_dir = cache;
  return o;
}

TEST(ChatClient, AnswersWithTheAssistantMessageAndSendsTheKey) {
  StubServer stub(0, 0);
  ChatCompletionClient c(options(stub.url(), ""));
  EXPECT_EQ(c.complete({"system", "parcel late", 0.7, 32, 0}), "echo: parcel late");
  EXPECT_EQ(stub.last_auth(), "Bearer secret");
}

TEST(ChatClient, RetriesServerErrorsWithBackoff) {
  StubServer stub(2, 0);
  ChatCompletionClient c(options(stub.url(), ""));
  EXPECT_EQ(c.complete({"", "hello", 0.7, 32, 0}), "echo: hello");
  EXPECT_EQ(stub.calls(), 3);
  EXPECT_EQ(c.stats().retries, 2);
}

TEST(ChatClient, GivesUpAfterTheLastRetry) {
  StubServer stub(100, 0);
  ChatCompletionClient c(options(stub.url(), ""));
  const std::string e = test::error_of([&] { c.complete({"", "hello", 0.7, 32, 0}); });
  EXPECT_NE(e.find("failed after 3 attempt(s): HTTP 503"), std::string::npos) << e;
  EXPECT_EQ(stub.calls(), 3);
}

TEST(ChatClient, TimesOutASlowEndpoint) {
  StubServer stub(0, 1500);
  auto o = options(stub.url(), "");
  o.timeout_s = 0.2;
  o.retries = 1;
  ChatCompletionClient c(o);
  // Without the timeout the first attempt would succeed after 1.5 s.
  const std::string e = test::error_of([&] { c.complete({"", "slow", 0.7, 32, 0}); });
  EXPECT_NE(e.find("failed after 2 attempt(s): no response"), std::string::npos) << e;
  EXPECT_EQ(c.stats().retries, 1);
}

TEST(ChatClient, ClientErrorsAreNotRetried) {
  StubServer stub(0, 0);
  auto o = options(stub.url(), "");
  o.model = "missing-model";
  ChatCompletionClient c(o);
  const std::string e = test::error_of([&] { c.complete({"", "x", 0.7, 32, 0}); });
  EXPECT_NE(e.find("HTTP 404"), std::string::npos) << e;
  EXPECT_EQ(stub.calls(), 1);
}

TEST(ChatClient, CacheAnswersARerunWithoutTheEndpoint) {
  test::TempDir dir;
  std::vector<ChatRequest> reqs = {{"", "a", 0.7, 32, 0}, {"", "b", 0.7, 32, 0}, {"", "a", 0.7, 32, 1}};
  {
    StubServer stub(0, 0);
    ChatCompletionClient c(options(stub.url(), dir.file("cache")));
    auto out = c.complete_all(reqs);
    EXPECT_EQ(*out[0], "echo: a");
    EXPECT_EQ(*out[1], "echo: b");
    EXPECT_EQ(stub.calls(), 3);  // another sample index is another key
  }
  // The endpoint is gone: every answer comes from the cache.
  ChatCompletionClient c(options("http://127.0.0.1:9/v1", dir.file("cache")));
  auto out = c.complete_all(reqs);
  EXPECT_EQ(*out[2], "echo: a");
  EXPECT_EQ(c.stats().cache_hits, 3);
  EXPECT_EQ(c.stats().sent, 0);
  // Another temperature is another key, not a stale answer.
  EXPECT_NE(c.cache_key({"", "a", 0.7, 32, 0}), c.cache_key({"", "a", 0.2, 32, 0}));
}

TEST(ChatClient, FailedRequestsAreCountedWhileOthersComplete) {
  StubServer stub(1, 0);
  auto o = options(stub.url(), "");
  o.retries = 0;
  o.concurrency = 1;
  ChatCompletionClient c(o);
  auto out = c.complete_all({{"", "first", 0.7, 32, 0}, {"", "second", 0.7, 32, 0}});
  EXPECT_FALSE(out[0].has_value());
  EXPECT_EQ(*out[1], "echo: second");
  EXPECT_EQ(c.stats().failures, 1);
}

TEST(ChatClient, RejectsANonHttpUrl) {
  EXPECT_NE(test::error_of([] { ChatCompletionClient c(options("ftp://x", "")); }).find("not an http"),
            std::string::npos);
}

}  // namespace
}  // namespace rgalign
