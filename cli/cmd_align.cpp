// rgalign align: the RGAlign-Rec pipeline (baseline -> reasoner -> QE-Rec -> RGA stages -> report).
#include "options_cli.h"
#include "rgalign/align/pipeline.h"

namespace rgalign::cli {

Runner add_align(CLI::App& app) {
  auto opt = std::make_shared<AlignOptions>();
  auto* sub = app.add_subcommand(
      "align",
      "Ranking-Guided Alignment on a dataset: baseline, QE-Rec reward model, RG-SFT, DPO, RG-CL, "
      "closed-loop calibration, report (resumable)");
  bind_options(sub, *opt);
  return [opt]() {
    echo_options("align", *opt);
    run_align(*opt);
    return 0;
  };
}

}  // namespace rgalign::cli
