// rgalign eval: evaluate a trained run on a dataset split.
#include "options_cli.h"
#include "rgalign/eval/eval_run.h"

namespace rgalign::cli {

Runner add_eval(CLI::App& app) {
  auto opt = std::make_shared<EvalOptions>();
  auto* sub = app.add_subcommand("eval", "Evaluate a trained run; writes the metrics JSON");
  bind_options(sub, *opt);
  return [opt]() {
    echo_options("eval", *opt);
    run_eval(*opt);
    return 0;
  };
}

}  // namespace rgalign::cli
