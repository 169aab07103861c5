// The HTTP server.
#include "rgalign/serve/server.h"

#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <numeric>
#include <thread>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/common/logging.h"
#include "rgalign/data/prompt.h"
#include "rgalign/serve/latent_batcher.h"
#include "rgalign/serve/recommend_request.h"
#include "rgalign/serve/score_batcher.h"
#include "rgalign/serve/served_model.h"
#include "rgalign/serve/server_metrics.h"

namespace rgalign {

namespace {

// A loaded model, the batcher computing its latent queries and the one scoring requests; replaced whole on
// reload.
struct Live {
  std::shared_ptr<ServedModel> model;
  std::unique_ptr<LatentBatcher> batcher;
  std::unique_ptr<ScoreBatcher> scorer;
};

void json_reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

class Server {
 public:
  explicit Server(const ServeOptions& opt) : opt_(opt) {
    if (opt.on_miss != "wait" && opt.on_miss != "fallback")
      throw InputError("--on-miss", "must be wait or fallback, got \"" + opt.on_miss + "\"");
    if (opt.max_queue < 1 || opt.http_threads < 1 || opt.keep_alive_requests < 1 || opt.max_batch < 1 ||
        opt.cache_size < 1 || opt.max_body < 1 || opt.score_batch < 1 || opt.score_threads < 1)
      throw InputError("serve flags",
                       "--max-queue, --http-threads, --keep-alive-requests, --max-batch, --score-batch, "
                       "--score-threads, --cache-size and --max-body must be positive");
    if (opt.max_wait_ms < 0 || opt.background_wait_ms < 0)
      throw InputError("serve flags", "--max-wait-ms and --background-wait-ms must not be negative");
    limits_.strict_features = opt.strict_features;
    if (const char* t = std::getenv(opt.admin_token_env.c_str())) token_ = t;
  }

  std::shared_ptr<Live> load(const std::string& run) {
    ServeModelOptions mo;
    mo.run = run;
    mo.data = opt_.data;
    mo.fallback = opt_.fallback;
    mo.cache_size = static_cast<size_t>(opt_.cache_size);
    auto live = std::make_shared<Live>();
    live->model = ServedModel::load(mo);
    if (opt_.on_miss == "fallback" && live->model->needs_latent() && !live->model->has_fallback())
      throw InputError(run, "--on-miss fallback needs a fallback ranker",
                       "pass --fallback RUN (a two-tower run)");
    std::weak_ptr<ServedModel> weak = live->model;
    ServedModel* model = live->model.get();
    live->batcher = std::make_unique<LatentBatcher>(
        [model](const std::vector<std::string>& prompts) {
          auto out = model->compute_latents(prompts);
          for (size_t i = 0; i < prompts.size(); ++i) model->remember(prompts[i], out[i]);
          return out;
        },
        static_cast<size_t>(opt_.max_batch), opt_.max_wait_ms, opt_.background_wait_ms,
        [this](size_t n) { metrics_.batch(n); });
    live->scorer =
        std::make_unique<ScoreBatcher>(live->model, static_cast<size_t>(opt_.score_batch), opt_.score_threads,
                                       [this](size_t n) { metrics_.score_batch(n); });
    return live;
  }

  // Loads `run` and swaps it in; on failure the current model keeps serving. Returns "" or the reason.
  std::string reload(const std::string& run) {
    std::lock_guard<std::mutex> lock(reload_mu_);
    try {
      auto next = load(run);
      std::atomic_store(&live_, next);
      run_ = run;
      spdlog::info("serve: now serving {}", next->model->version());
      return "";
    } catch (const std::exception& e) {
      spdlog::error("serve: reload of {} failed, still serving the previous model: {}", run, e.what());
      return e.what();
    }
  }

  int serve() {
    at::set_num_threads(opt_.torch_threads);
    live_ = load(opt_.run);
    run_ = opt_.run;
    spdlog::info("serve: model {} loaded", live_->model->version());
    routes();
    svr_.new_task_queue = [n = opt_.http_threads] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
    svr_.set_payload_max_length(static_cast<size_t>(opt_.max_body));
    tune_connections();
    const int port = opt_.port == 0 ? svr_.bind_to_any_port(opt_.host)
                                    : (svr_.bind_to_port(opt_.host, opt_.port) ? opt_.port : -1);
    if (port < 0) throw InputError(opt_.host + ":" + std::to_string(opt_.port), "cannot bind");
    raise_listen_backlog();
    if (!opt_.port_file.empty()) write_file_atomic(opt_.port_file, std::to_string(port) + "\n");
    spdlog::info("serve: listening on http://{}:{} (on miss: {})", opt_.host, port, opt_.on_miss);
    ready_ = true;
    std::thread signals([this] { handle_signals(); });
    svr_.listen_after_bind();  // returns after stop(): the pool finishes the requests in flight first
    ready_ = false;
    signals_done_ = true;
    ::kill(::getpid(), SIGUSR1);  // wakes the signal thread if the server stopped for another reason
    signals.join();
    spdlog::info("serve: drained and stopped");
    return 0;
  }

 private:
  // Three defaults of the HTTP library cost clients under load (bench/serve_load.sh, 64 connections: about
  // 2.0k -> 3.6-4.0k requests/s as fast as answered; at 2,000 requests/s, p50 44 -> 2-5 ms):
  // - a reply is written in two sends, headers then body, and with Nagle's algorithm the body waits for the
  //   client's delayed acknowledgement of the headers, about 40 ms on every request: TCP_NODELAY;
  // - a connection is closed after five requests, so clients reconnect all the time: --keep-alive-requests;
  // - the listen backlog is 5 (compiled into the library): a client opening more connections at once than
  //   that has handshakes dropped, and its first requests wait for TCP retransmissions (0.2-2 s) — see
  //   raise_listen_backlog.
  void tune_connections() {
    svr_.set_tcp_nodelay(true);
    svr_.set_keep_alive_max_count(static_cast<size_t>(opt_.keep_alive_requests));
    svr_.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listen_socket_ = sock;  // called for the listening socket only, before bind and listen
    });
  }

  // listen() again on the bound socket raises its backlog (the kernel caps it at net.core.somaxconn).
  void raise_listen_backlog() {
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (listen_socket_ < 0 ||
        ::getsockopt(listen_socket_, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening ||
        ::listen(listen_socket_, SOMAXCONN) != 0)
      spdlog::warn("serve: could not raise the listen backlog; bursts of new connections may be dropped");
  }

  void handle_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, s);
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0 || signals_done_) return;
      if (sig == SIGHUP) {
        spdlog::info("serve: SIGHUP, reloading {}", run_);
        reload(run_);
      } else if (sig == SIGTERM || sig == SIGINT) {
        spdlog::info("serve: draining in-flight requests, then exiting");
        ready_ = false;
        svr_.stop();
        return;
      }
    }
  }

  void routes() {
    svr_.Post("/v1/recommend",
              [this](const httplib::Request& req, httplib::Response& res) { recommend(req, res); });
    svr_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      json_reply(res, 200, {{"status", "ok"}});
    });
    svr_.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      if (ready_)
        json_reply(res, 200,
                   {{"status", "ready"}, {"model_version", std::atomic_load(&live_)->model->version()}});
      else
        json_reply(res, 503, {{"status", "not ready"}});
    });
    svr_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      auto live = std::atomic_load(&live_);
      res.set_content(
          metrics_.render(live->model->version(), live->model->cache_entries(), in_flight_.load()),
          "text/plain; version=0.0.4");
      metrics_.request("/metrics", 200, 0);
    });
    svr_.Post("/admin/reload", [this](const httplib::Request& req, httplib::Response& res) {
      if (token_.empty())
        return json_reply(res, 403, {{"error", "reload is disabled: no token in $" + opt_.admin_token_env}});
      if (req.get_header_value("Authorization") != "Bearer " + token_)
        return json_reply(res, 401, {{"error", "missing or wrong bearer token"}});
      std::string run = run_;
      if (!req.body.empty()) {
        Json j = Json::parse(req.body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
          return json_reply(res, 400, {{"error", "body must be a JSON object"}});
        if (j.contains("run")) {
          if (!j["run"].is_string()) return json_reply(res, 400, {{"error", "\"run\" must be a string"}});
          run = j["run"].get<std::string>();
        }
      }
      const std::string err = reload(run);
      if (!err.empty())
        return json_reply(res, 500, {{"error", "reload failed, previous model still serving: " + err}});
      json_reply(res, 200, {{"model_version", std::atomic_load(&live_)->model->version()}});
    });
    svr_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const std::string why = res.status == 404   ? "no route " + req.method + " " + req.path
                              : res.status == 413 ? "body larger than the limit"
                              : res.status == 405 ? "method not allowed"
                                                  : "request failed";
      json_reply(res, res.status, {{"error", why}});
    });
    svr_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string why = "internal error";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        why = e.what();
      } catch (...) {
      }
      json_reply(res, 500, {{"error", why}});
    });
  }

  void recommend(const httplib::Request& req, httplib::Response& res) {
    const auto t0 = std::chrono::steady_clock::now();
    struct Done {  // counts the request whatever way the handler leaves
      Server* s;
      httplib::Response& res;
      std::chrono::steady_clock::time_point t0;
      ~Done() {
        --s->in_flight_;
        s->metrics_.request("/v1/recommend", res.status,
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
    } done{this, res, t0};
    if (++in_flight_ > opt_.max_queue) {
      res.set_header("Retry-After", "1");
      return json_reply(
          res, 503, {{"error", "server busy: " + std::to_string(opt_.max_queue) + " requests in flight"}});
    }
    if (req.has_header("Content-Type") &&
        req.get_header_value("Content-Type").find("json") == std::string::npos)
      return json_reply(res, 415, {{"error", "Content-Type must be application/json"}});
    auto live = std::atomic_load(&live_);  // requests in flight keep the model they started on
    ServedModel& model = *live->model;
    RecommendRequest rr;
    try {
      rr = parse_recommend(req.body, model.data().schema(), model.data().catalog(), limits_,
                           static_cast<int64_t>(std::time(nullptr)));
    } catch (const RequestError& e) {
      return json_reply(res, e.status(), {{"error", e.what()}});
    }
    if (!rr.ignored_features.empty()) metrics_.ignored_features(rr.ignored_features.size());
    const Request& r = rr.request;
    std::optional<Latent> latent;
    bool cached = false, fallback = false;
    if (model.needs_latent()) {
      const std::string prompt = render_prompt(r, model.data().schema());
      latent = model.cached_latent(prompt);
      cached = latent.has_value();
      metrics_.cache(cached);
      if (!latent && opt_.on_miss == "fallback") {
        // Computed in the background for the next request with this context; a backlog beyond a few
        // batches is not queued (the context will be offered again when it comes back).
        live->batcher->offer(prompt, static_cast<size_t>(opt_.max_batch) * 8);
        fallback = true;
        metrics_.fallback();
      } else if (!latent) {
        latent = live->batcher->submit(prompt).get();
      }
    }
    std::vector<float> scores = live->scorer->submit(r, latent ? &*latent : nullptr, fallback).get();
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min(order.size(), static_cast<size_t>(rr.k));
    std::partial_sort(
        order.begin(), order.begin() + static_cast<int64_t>(k), order.end(),
        [&](size_t a, size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
    Json intents = Json::array();
    for (size_t i = 0; i < k; ++i) {
      const Intent& in = model.data().catalog().intents()[static_cast<size_t>(r.candidates[order[i]])];
      intents.push_back({{"intent_id", in.intent_id}, {"title", in.title}, {"score", scores[order[i]]}});
    }
    Json body = {{"intents", intents},
                 {"latent_query", latent ? Json(latent->text) : Json()},
                 {"cached", cached},
                 {"model_version", model.version()},
                 {"fallback", fallback}};
    if (!rr.ignored_features.empty()) body["ignored_features"] = rr.ignored_features;
    json_reply(res, 200, body);
  }

  ServeOptions opt_;
  RecommendLimits limits_;
  std::string token_, run_;
  httplib::Server svr_;
  socket_t listen_socket_ = -1;
  std::shared_ptr<Live> live_;
  std::mutex reload_mu_;
  ServerMetrics metrics_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> ready_{false}, signals_done_{false};
};

}  // namespace

int run_serve(const ServeOptions& opt) {
  // Signals go to the server's signal thread only: block them here, before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  Server server(opt);
  return server.serve();
}

}  // namespace rgalign
