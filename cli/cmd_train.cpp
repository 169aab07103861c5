// rgalign train: fit a ranker and write a run directory.
#include "options_cli.h"
#include "rgalign/rank/train_run.h"

namespace rgalign::cli {

Runner add_train(CLI::App& app) {
  auto opt = std::make_shared<TrainOptions>();
  auto* sub = app.add_subcommand("train", "Train a ranker on a dataset; writes a run directory");
  bind_options(sub, *opt);
  return [opt]() {
    echo_options("train", *opt);
    run_training(*opt);
    return 0;
  };
}

}  // namespace rgalign::cli
