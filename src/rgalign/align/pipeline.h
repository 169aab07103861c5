// `rgalign align`: the whole RGAlign-Rec pipeline on one dataset directory, as resumable steps in a run
// directory (DESIGN.md section 1):
//   baseline        the production ranker (config run.baseline)
//   reasoner        the built-in reasoner pretrained on the data (or the checkpoint reasoner.dir)
//   qe-rec          QE-Rec on the base reasoner's latent queries: the reward model, frozen from here on
//   candidates      teacher candidates for chosen training requests, scored by the RM (best-of-N)
//   rga-sft         RG-SFT of the student on the best candidates
//   rga-dpo         DPO on best-versus-worst pairs (config dpo.enabled)
//   rga-cl          RG-CL against the RM's intent tower (config rgcl.enabled)
//   rga-calibrated  closed loop: regenerate latent queries, fine-tune the ranker, repeat while it helps
//   report          report.json, report.md, report.html
// Each step writes into <run>/<step>/ and is recorded in state.json when complete. --resume deletes the
// directory of a step that did not complete and runs it again; every step is seeded, so a resumed run ends
// with the metrics of an uninterrupted one.
#pragma once

#include <string>

#include "rgalign/align/align_config.h"
#include "rgalign/common/json_util.h"

namespace rgalign {

struct AlignOptions {
  std::string data;
  std::string config;  // pipeline YAML; empty = the built-in defaults (configs/pipeline.yaml holds the same)
  std::string out;
  bool resume = false;
  bool skip_bad = false;

  template <class V>
  void visit(V&& v) {
    v("data", data, "dataset directory", true);
    v("config", config, "pipeline configuration (YAML); default: the shipped configs/pipeline.yaml values");
    v("out", out, "run directory", true);
    v("resume", resume, "continue a run that was stopped");
    v("skip-bad", skip_bad, "skip and count malformed lines instead of failing");
  }
};

// Runs (or resumes) the pipeline and returns report.json.
Json run_align(const AlignOptions& opt);
Json run_align(const AlignOptions& opt, AlignConfig cfg);

// The stage names of report.json, in pipeline order.
extern const char* const kAlignStages[6];

}  // namespace rgalign
