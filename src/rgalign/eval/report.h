// Reports for align/demo: report.json ({"stages": [{name, model, metrics, paired_vs_baseline}], ...}) and
// report.md (a metric table, then the paired differences to the production baseline and the share of the
// baseline-to-oracle GAUC gap each stage closes).
#pragma once

#include <string>
#include <vector>

#include "rgalign/common/json_util.h"

namespace rgalign {

struct ReportStage {
  std::string name;   // baseline | qe-rec | rga-sft | rga-dpo | rga-cl | rga-calibrated
  std::string model;  // what produced it, e.g. "popularity"
  Json metrics;       // metrics_to_json() of the test split
  Json paired;        // paired_comparison() against the production baseline (null when not compared)
  Json paired_previous = Json();  // paired_comparison() against the stage before it (align), else null
  Json monitor = Json();          // per-stage monitoring figures (align), else null
};

// Writes report.json and report.md into `dir`, atomically. `extra` is merged into report.json.
// `baseline_model` names the stage the paired differences are against (e.g. "two-tower").
// `appendix` is added to the end of report.md.
void write_report(const std::string& dir, const std::string& title, const std::vector<ReportStage>& stages,
                  const Json& extra = Json::object(), const std::string& baseline_model = "",
                  const std::string& appendix = "");
// One paired difference {"diff", "ci95"} as "+0.0012 [+0.0003, +0.0021]"; "-" when there is none.
std::string signed_diff(const Json& d);
std::string report_markdown(const std::string& title, const std::vector<ReportStage>& stages,
                            const std::string& baseline_model = "");

}  // namespace rgalign
