// rgalign simulate: write the simulated chatbot world as a dataset directory.
#include "options_cli.h"
#include "rgalign/common/progress.h"
#include "rgalign/sim/world.h"

namespace rgalign::cli {

Runner add_simulate(CLI::App& app) {
  auto opt = std::make_shared<sim::WorldOptions>();
  auto* sub = app.add_subcommand("simulate", "Generate the simulated chatbot world (dataset directory)");
  bind_options(sub, *opt);
  return [opt]() {
    echo_options("simulate", *opt);
    sim::WorldSummary s = sim::generate_world(*opt);
    const int64_t n = s.n_train + s.n_valid + s.n_test;
    spdlog::info(
        "wrote {}: {} requests (train {}, valid {}, test {}), {} intents, {:.1f} candidates/request, "
        "{:.1f}s ({} requests/s)",
        opt->out, n, s.n_train, s.n_valid, s.n_test, s.n_intents, s.mean_candidates, s.seconds,
        human_count(n / std::max(1e-9, s.seconds)));
    return 0;
  };
}

}  // namespace rgalign::cli
