// `rgalign serve`: the online recommender over HTTP (DESIGN.md section 5). POST /v1/recommend, GET /healthz,
// /readyz, /metrics, POST /admin/reload (bearer token); SIGHUP reloads, SIGTERM drains and exits. Bad input
// is a 4xx with {"error": ...}; more requests in flight than --max-queue get 503 with Retry-After.
#pragma once

#include <cstdint>
#include <string>

namespace rgalign {

struct ServeOptions {
  std::string run;
  std::string data;      // default: the dataset the run names in run.json
  std::string fallback;  // ranker run for --on-miss fallback (default: an align run's baseline)
  std::string host = "127.0.0.1";
  int port = 8080;        // 0 = any free port
  std::string port_file;  // written with the bound port once the server listens
  int http_threads = 64;  // each open connection holds one while it stays open
  int keep_alive_requests = 1000;
  int torch_threads = 1;
  std::string on_miss = "wait";  // wait | fallback
  int max_batch = 16;
  int max_wait_ms = 5;
  int background_wait_ms = 50;
  int score_batch = 1;    // requests per ranker pass (1 = one pass per request)
  int score_threads = 2;  // threads running ranker passes
  int64_t cache_size = 100000;
  int64_t max_body = 65536;
  int max_queue = 256;
  std::string admin_token_env = "RGALIGN_ADMIN_TOKEN";
  bool strict_features = false;

  template <class V>
  void visit(V&& v) {
    v("run", run, "run directory to serve (an align run or a train run)", true);
    v("data", data, "dataset directory (default: the one named in the run's run.json)");
    v("fallback", fallback,
      "ranker run answering without the query tower (default: an align run's baseline)");
    v("host", host, "address to bind");
    v("port", port, "port to bind (0 = any free port)");
    v("port-file", port_file, "write the bound port here once listening");
    v("http-threads", http_threads,
      "HTTP worker threads; an open (keep-alive) connection holds one, so this is the most clients served at "
      "once");
    v("keep-alive-requests", keep_alive_requests, "requests on one connection before the server closes it");
    v("torch-threads", torch_threads, "threads per tensor operation");
    v("on-miss", on_miss, "latent query not cached: wait (micro-batched) | fallback (answer now without it)");
    v("max-batch", max_batch, "latent queries per reasoner batch");
    v("max-wait-ms", max_wait_ms, "how long a latent query waits for others to batch with");
    v("background-wait-ms", background_wait_ms,
      "how long a latent query computed in the background (--on-miss fallback) waits for others");
    v("score-batch", score_batch, "most requests scored in one ranker pass (queued ones only; 1 = none)");
    v("score-threads", score_threads, "threads running ranker passes");
    v("cache-size", cache_size, "latent queries kept in memory (LRU)");
    v("max-body", max_body, "largest request body in bytes");
    v("max-queue", max_queue, "requests in flight before new ones get 503");
    v("admin-token-env", admin_token_env, "environment variable with the bearer token of /admin/reload");
    v("strict-features", strict_features, "reject unknown features instead of ignoring and counting them");
  }
};

// Serves until SIGTERM or SIGINT; returns the exit code.
int run_serve(const ServeOptions& opt);

}  // namespace rgalign
