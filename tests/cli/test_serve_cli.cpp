// `rgalign serve` end to end on an ephemeral port: scores equal offline `rgalign eval`, a table of bad
// requests each answered with its status and message while the server keeps answering, concurrent clients,
// the fallback on a latent-query miss, reload under load, 503 when the queue is full, SIGTERM drains,
// connections kept open across requests.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/json_util.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

namespace fs = std::filesystem;
using test::run_rgalign;

struct RunningServer {
  int pid = 0, port = 0;
  ~RunningServer() { stop(SIGKILL); }
  void stop(int sig) {
    if (pid <= 0) return;
    ::kill(pid, sig);
    const auto t0 = std::chrono::steady_clock::now();
    while (fs::exists("/proc/" + std::to_string(pid)) &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    pid = 0;
  }
  bool running() const { return pid > 0 && fs::exists("/proc/" + std::to_string(pid)); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    return c;
  }
};

// Starts `rgalign serve` with the flags and waits until it has written its port.
std::unique_ptr<RunningServer> start_server(const std::string& flags, const std::string& port_file) {
  fs::remove(port_file);
  FILE* p = ::popen(("RGALIGN_ADMIN_TOKEN=tok " + std::string(RGALIGN_BINARY) + " serve " + flags +
                     " --port 0 --port-file " + port_file + " > " + port_file + ".log 2>&1 & echo $!")
                        .c_str(),
                    "r");
  auto s = std::make_unique<RunningServer>();
  if (!p || std::fscanf(p, "%d", &s->pid) != 1) return nullptr;
  ::pclose(p);
  const auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(port_file) && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!fs::exists(port_file)) return nullptr;
  s->port = std::stoi(read_file(port_file));
  return s;
}

class ServeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const std::string data = dir_->file("data");
    auto run = [](const std::string& args) {
      auto r = run_rgalign(args);
      ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    };
    run("simulate --out " + data + " --users 300 --weeks 3 --markets SG,VN --seed 5");
    run("reasoner pretrain --data " + data + " --out " + dir_->file("reasoner") +
        " --vocab-size 1200 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1 --intermediate-size 64"
        " --seq-len 64 --batch-size 4 --steps 30 --eval-every 15 --lr 0.01 --max-train-prompts 300"
        " --max-valid-prompts 40 --threads 1 --seed 3");
    run("train --data " + data + " --model qe-rec --reasoner " + dir_->file("reasoner") +
        " --latent-tokens 4 --epochs 1 --threads 1 --out " + dir_->file("qe"));
    run("train --data " + data + " --model two-tower --epochs 1 --threads 1 --out " + dir_->file("tt"));
    run("eval --run " + dir_->file("qe") + " --data " + data + " --bootstrap 0 --out " +
        dir_->file("qe.json") + " --preds " + dir_->file("qe_preds.jsonl"));
    server_ =
        start_server("--run " + dir_->file("qe") + " --fallback " + dir_->file("tt") + " --max-body 4096",
                     dir_->file("port"))
            .release();
    ASSERT_NE(server_, nullptr) << read_file(dir_->file("port.log"));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static Json post(const RunningServer& s, const std::string& body, int* status = nullptr,
                   const std::string& type = "application/json") {
    auto res = s.client().Post("/v1/recommend", body, type);
    if (!res) {
      if (status) *status = -1;
      return Json();
    }
    if (status) *status = res->status;
    return Json::parse(res->body, nullptr, false);
  }
  // 8 clients send 20 requests each, cycling through `reqs`; returns how many answers `same` rejects (or
  // failed).
  static int concurrent_mismatches(const RunningServer& s, const std::vector<std::pair<Json, Json>>& reqs,
                                   const std::function<bool(const Json& intents, size_t q)>& same) {
    std::atomic<int> bad{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t)
      clients.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          const size_t q = static_cast<size_t>(t + i) % reqs.size();
          int status = 0;
          Json res = post(s, reqs[q].first.dump(), &status);
          if (status != 200 || !same(res["intents"], q)) ++bad;
        }
      });
    for (auto& c : clients) c.join();
    return bad.load();
  }
  // The test split's first lines as request bodies, with their offline predictions.
  static std::vector<std::pair<Json, Json>> test_requests(size_t n) {
    std::ifstream req(dir_->file("data/test.jsonl")), pred(dir_->file("qe_preds.jsonl"));
    std::vector<std::pair<Json, Json>> out;
    std::string a, b;
    while (out.size() < n && std::getline(req, a) && std::getline(pred, b)) {
      Json r = Json::parse(a), p = Json::parse(b);
      out.emplace_back(
          Json{{"market", r["market"]}, {"features", r["features"]}, {"ts", r["ts"]}, {"k", 1000}}, p);
    }
    return out;
  }
  static test::TempDir* dir_;
  static RunningServer* server_;
};
test::TempDir* ServeCli::dir_ = nullptr;
RunningServer* ServeCli::server_ = nullptr;

TEST_F(ServeCli, HealthReadinessAndMetrics) {
  auto c = server_->client();
  auto h = c.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto r = c.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(Json::parse(r->body)["model_version"].is_string());
  post(*server_, test_requests(1)[0].first.dump());
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  for (const char* s : {"rgalign_requests_total{route=\"/v1/recommend\",status=\"200\"}",
                        "rgalign_request_seconds_bucket{le=\"0.005\"}", "rgalign_latent_cache_hit_ratio",
                        "rgalign_latent_batch_size_bucket", "rgalign_model_info{version="})
    EXPECT_NE(m->body.find(s), std::string::npos) << s;
}

TEST_F(ServeCli, AConnectionStaysOpenForManyRequests) {
  // --keep-alive-requests (default 1000): the HTTP library's own default closed each connection after five
  // requests, and clients under load spent their time reconnecting.
  auto c = server_->client();
  c.set_keep_alive(true);
  const std::string body = test_requests(1)[0].first.dump();
  for (int i = 0; i < 12; ++i) {
    auto res = c.Post("/v1/recommend", body, "application/json");
    ASSERT_TRUE(res) << "request " << i;
    EXPECT_EQ(res->status, 200);
    EXPECT_NE(res->get_header_value("Connection"), "close") << "request " << i;
  }
  const auto r = run_rgalign("serve --run " + dir_->file("qe") + " --keep-alive-requests 0 --port 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--keep-alive-requests"), std::string::npos) << r.output;
}

TEST_F(ServeCli, ServedScoresEqualOfflineEval) {
  for (const auto& [body, pred] : test_requests(5)) {
    int status = 0;
    Json res = post(*server_, body.dump(), &status);
    ASSERT_EQ(status, 200) << res.dump();
    EXPECT_TRUE(res["cached"].get<bool>());  // eval put the test latents in the run's cache
    EXPECT_FALSE(res["fallback"].get<bool>());
    ASSERT_EQ(res["intents"].size(), pred["scores"].size());
    std::map<std::string, double> offline;
    for (size_t i = 0; i < pred["scores"].size(); ++i) offline[pred["intent_ids"][i]] = pred["scores"][i];
    double prev = 1e300;
    for (const auto& in : res["intents"]) {
      EXPECT_NEAR(in["score"].get<double>(), offline.at(in["intent_id"]), 1e-5) << in["intent_id"];
      EXPECT_LE(in["score"].get<double>(), prev);  // best first
      prev = in["score"].get<double>();
      EXPECT_FALSE(in["title"].get<std::string>().empty());
    }
  }
}

TEST_F(ServeCli, BadRequestsGetTheirStatusAndTheServerKeepsAnswering) {
  const std::string deep = "{\"market\":\"SG\",\"features\":{\"recent_pages\":" + std::string(30, '[') +
                           std::string(30, ']') + "}}";
  struct Case {
    std::string body;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {std::string(5000, ' '), 413, "larger than the limit"},
      {"", 400, "empty body"},
      {"{", 400, "invalid JSON"},
      {"{\"market\":\"SG\",\"k\":NaN}", 400, "invalid JSON"},
      {"[1, 2]", 400, "must be a JSON object, got array"},
      {"\"SG\"", 400, "must be a JSON object, got string"},
      {"{}", 400, "\"market\" is required"},
      {"{\"market\":7}", 400, "\"market\" must be a string"},
      {"{\"market\":\"XX\"}", 400, "unknown market \"XX\""},
      {"{\"market\":\"SG\",\"k\":0}", 400, "between 1 and 1000"},
      {"{\"market\":\"SG\",\"k\":1001}", 400, "between 1 and 1000"},
      {"{\"market\":\"SG\",\"k\":-3}", 400, "between 1 and 1000"},
      {"{\"market\":\"SG\",\"k\":2.5}", 400, "\"k\" must be an integer"},
      {"{\"market\":\"SG\",\"k\":\"3\"}", 400, "\"k\" must be an integer"},
      {"{\"market\":\"SG\",\"k\":1e999}", 400, "number overflow"},
      {"{\"market\":\"SG\",\"features\":[]}", 400, "\"features\" must be an object"},
      {"{\"market\":\"SG\",\"features\":\"x\"}", 400, "\"features\" must be an object"},
      {"{\"market\":\"SG\",\"features\":{\"days_past_eta\":\"late\"}}", 400,
       "\"days_past_eta\" (numeric) must be a number"},
      {"{\"market\":\"SG\",\"features\":{\"days_past_eta\":1e999}}", 400, "number overflow"},
      {"{\"market\":\"SG\",\"features\":{\"order_status\":{\"a\":1}}}", 400,
       "\"order_status\" (categorical)"},
      {"{\"market\":\"SG\",\"features\":{\"recent_pages\":5}}", 400, "\"recent_pages\" (multi_categorical)"},
      {"{\"market\":\"SG\",\"features\":{\"recent_pages\":[1,2]}}", 400, "an array of strings"},
      {"{\"market\":\"SG\",\"features\":{\"last_search_query\":3}}", 400, "\"last_search_query\" (text)"},
      {deep, 400, "nested deeper than"},
      {"{\"market\":\"SG\",\"user\":\"u1\"}", 400, "unknown field \"user\""},
      {"{\"market\":\"SG\",\"ts\":\"today\"}", 400, "\"ts\" must be an integer"},
  };
  ASSERT_GE(cases.size(), 25u);
  for (const auto& c : cases) {
    int status = 0;
    Json res = post(*server_, c.body, &status);
    EXPECT_EQ(status, c.status) << c.body.substr(0, 80);
    ASSERT_TRUE(res.is_object()) << c.body.substr(0, 80);
    EXPECT_NE(res["error"].get<std::string>().find(c.message), std::string::npos)
        << c.body.substr(0, 80) << " -> " << res.dump();
  }
  int status = 0;
  Json res = post(*server_, "{\"market\":\"SG\"}", &status, "text/plain");
  EXPECT_EQ(status, 415);
  auto c = server_->client();
  auto get = c.Get("/v1/recommend");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 404);
  EXPECT_NE(get->body.find("no route GET /v1/recommend"), std::string::npos);
  auto no_token = c.Post("/admin/reload", "", "application/json");
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 401);
  httplib::Headers bad = {{"Authorization", "Bearer wrong"}};
  auto wrong = c.Post("/admin/reload", bad, "", "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  // Still serving, and unknown or missing features are no error.
  res = post(*server_, "{\"market\":\"VN\",\"k\":2,\"features\":{\"not_a_feature\":1}}", &status);
  ASSERT_EQ(status, 200) << res.dump();
  EXPECT_EQ(res["intents"].size(), 2u);
  EXPECT_EQ(res["ignored_features"], Json::array({"not_a_feature"}));
  EXPECT_TRUE(server_->running());
}

TEST_F(ServeCli, ConcurrentClientsGetConsistentAnswers) {
  const auto reqs = test_requests(4);
  std::vector<Json> expected;
  for (const auto& [body, pred] : reqs) expected.push_back(post(*server_, body.dump())["intents"]);
  EXPECT_EQ(
      concurrent_mismatches(*server_, reqs, [&](const Json& got, size_t q) { return got == expected[q]; }),
      0);
}

TEST_F(ServeCli, BatchedScoringGivesTheOneAtATimeRanking) {
  // --score-batch scores queued requests together: the same intents, scores equal to float rounding (a
  // batch's matrix kernels round differently from a single request's).
  auto s = start_server("--run " + dir_->file("qe") + " --score-batch 16 --score-threads 1",
                        dir_->file("port-batched"));
  ASSERT_NE(s, nullptr);
  const auto reqs = test_requests(4);
  std::vector<Json> expected;
  for (const auto& [body, pred] : reqs) expected.push_back(post(*server_, body.dump())["intents"]);
  EXPECT_EQ(concurrent_mismatches(*s, reqs,
                                  [&](const Json& got, size_t q) {
                                    if (got.size() != expected[q].size()) return false;
                                    for (size_t k = 0; k < got.size(); ++k)
                                      if (got[k]["intent_id"] != expected[q][k]["intent_id"] ||
                                          std::fabs(got[k]["score"].get<double>() -
                                                    expected[q][k]["score"].get<double>()) >= 1e-5)
                                        return false;
                                    return true;
                                  }),
            0);
  // Requests were in fact scored together: some ranker pass held more than one.
  auto c = s->client();
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  auto value = [&](const std::string& line) {
    const size_t at = m->body.find(line);
    return at == std::string::npos ? -1.0 : std::stod(m->body.substr(at + line.size()));
  };
  const double alone = value("rgalign_score_batch_size_bucket{le=\"1\"} ");
  const double passes = value("rgalign_score_batch_size_count ");
  EXPECT_GT(passes, 0) << m->body;
  EXPECT_LT(alone, passes) << m->body;
}

TEST_F(ServeCli, ReloadUnderLoadSwapsWithoutFailedRequests) {
  auto s = start_server("--run " + dir_->file("qe"), dir_->file("port-reload"));
  ASSERT_NE(s, nullptr);
  const auto body = test_requests(1)[0].first.dump();
  const std::string before = post(*s, body)["model_version"];
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&] {
      while (!stop) {
        int status = 0;
        post(*s, body, &status);
        (status == 200 ? ok : failed)++;
      }
    });
  httplib::Headers auth = {{"Authorization", "Bearer tok"}};
  auto c = s->client();
  auto r1 = c.Post("/admin/reload", auth, "{\"run\":\"" + dir_->file("tt") + "\"}", "application/json");
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 200) << r1->body;
  auto r2 = c.Post("/admin/reload", auth, "{\"run\":\"" + dir_->file("missing") + "\"}", "application/json");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 500);
  EXPECT_NE(r2->body.find("previous model still serving"), std::string::npos) << r2->body;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  const std::string after = post(*s, body)["model_version"];
  EXPECT_NE(after, before);
  EXPECT_NE(after.find("tt@"), std::string::npos) << after;
  // SIGHUP reloads the current run in place.
  ::kill(s->pid, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int status = 0;
  EXPECT_EQ(post(*s, body, &status)["model_version"], after);
  EXPECT_EQ(status, 200);
}

TEST_F(ServeCli, FallbackAnswersAtOnceThenTheLatentQueryIsCached) {
  auto s =
      start_server("--run " + dir_->file("qe") + " --fallback " + dir_->file("tt") + " --on-miss fallback",
                   dir_->file("port-fallback"));
  ASSERT_NE(s, nullptr);
  // A context no split holds: its latent query is not precomputed.
  const std::string body = "{\"market\":\"SG\",\"k\":3,\"features\":{\"days_past_eta\":123.5}}";
  Json first = post(*s, body);
  EXPECT_TRUE(first["fallback"].get<bool>());
  EXPECT_TRUE(first["latent_query"].is_null());
  EXPECT_EQ(first["intents"].size(), 3u);
  Json later;
  for (int i = 0; i < 800; ++i) {
    later = post(*s, body);
    if (!later["fallback"].get<bool>()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_FALSE(later["fallback"].get<bool>());
  EXPECT_TRUE(later["cached"].get<bool>());
  EXPECT_TRUE(later["latent_query"].is_string());
}

TEST_F(ServeCli, FullQueueGets503AndSigtermDrains) {
  // Every uncached latent query waits 400 ms for a batch; one request in flight at most.
  auto s =
      start_server("--run " + dir_->file("qe") + " --max-queue 1 --max-wait-ms 400", dir_->file("port-busy"));
  ASSERT_NE(s, nullptr);
  std::atomic<int> ok{0}, busy{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      auto c = s->client();
      auto res =
          c.Post("/v1/recommend",
                 "{\"market\":\"SG\",\"features\":{\"days_past_eta\":" + std::to_string(500 + t) + "}}",
                 "application/json");
      if (res && res->status == 200) ++ok;
      if (res && res->status == 503 && res->get_header_value("Retry-After") == "1") ++busy;
    });
  for (auto& c : clients) c.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_GE(busy.load(), 1);
  // A request in flight when SIGTERM arrives still gets its answer; then the process exits.
  std::atomic<int> status{0};
  std::thread slow([&] {
    auto c = s->client();
    auto res = c.Post("/v1/recommend", "{\"market\":\"SG\",\"features\":{\"days_past_eta\":777}}",
                      "application/json");
    status = res ? res->status : -1;
  });
  // SIGTERM once the server holds the request (it waits 400 ms for a batch).
  const auto t1 = std::chrono::steady_clock::now();
  for (;;) {
    auto m = s->client().Get("/metrics");
    if ((m && m->body.find("rgalign_in_flight 1") != std::string::npos) ||
        std::chrono::steady_clock::now() - t1 > std::chrono::seconds(20))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(s->pid, SIGTERM);
  slow.join();
  EXPECT_EQ(status.load(), 200);
  const auto t0 = std::chrono::steady_clock::now();
  while (s->running() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(s->running());
  EXPECT_NE(read_file(dir_->file("port-busy.log")).find("drained and stopped"), std::string::npos);
}

}  // namespace
}  // namespace rgalign
