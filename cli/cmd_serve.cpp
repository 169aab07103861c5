// rgalign serve: the online recommender.
#include "options_cli.h"
#include "rgalign/serve/server.h"

namespace rgalign::cli {

Runner add_serve(CLI::App& app) {
  auto opt = std::make_shared<ServeOptions>();
  auto* sub =
      app.add_subcommand("serve", "Serve a run over HTTP: POST /v1/recommend, /healthz, /readyz, /metrics");
  bind_options(sub, *opt);
  return [opt]() {
    echo_options("serve", *opt);
    return run_serve(*opt);
  };
}

}  // namespace rgalign::cli
