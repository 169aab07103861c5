// rgalign reasoner pretrain | embed: the built-in reasoner and the latent-query cache.
#include "options_cli.h"
#include "rgalign/reason/precompute.h"
#include "rgalign/reason/pretrain.h"

namespace rgalign::cli {

Runner add_reasoner(CLI::App& app) {
  auto* sub =
      app.add_subcommand("reasoner", "The reasoner: pretrain the built-in one, precompute latent queries");
  sub->require_subcommand(1);
  auto pretrain = std::make_shared<ReasonerPretrainOptions>();
  auto* p = sub->add_subcommand(
      "pretrain", "Pretrain the built-in reasoner (small Llama + SentencePiece) on a dataset's text");
  bind_options(p, *pretrain);
  auto embed = std::make_shared<LatentPrecomputeOptions>();
  auto* e = sub->add_subcommand(
      "embed", "Precompute latent queries of a dataset's splits and intent texts into the latent cache");
  bind_options(e, *embed);
  return [sub, p, pretrain, e, embed]() {
    if (sub->got_subcommand(p)) {
      echo_options("reasoner pretrain", *pretrain);
      run_reasoner_pretrain(*pretrain);
    } else if (sub->got_subcommand(e)) {
      echo_options("reasoner embed", *embed);
      run_latent_precompute(*embed);
    }
    return 0;
  };
}

}  // namespace rgalign::cli
