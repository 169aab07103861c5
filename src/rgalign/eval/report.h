// Reports for align/demo: report.json ({"stages": [{name, metrics}], ...}) and report.md (a metric table).
#pragma once

#include <string>
#include <vector>

#include "rgalign/common/json_util.h"

namespace rgalign {

struct ReportStage {
  std::string name;   // baseline | qe-rec | rga-sft | rga-dpo | rga-cl | rga-calibrated
  std::string model;  // what produced it, e.g. "popularity"
  Json metrics;       // metrics_to_json() of the test split
};

// Writes report.json and report.md into `dir`, atomically. `extra` is merged into report.json.
void write_report(const std::string& dir, const std::string& title, const std::vector<ReportStage>& stages,
                  const Json& extra = Json::object());
std::string report_markdown(const std::string& title, const std::vector<ReportStage>& stages);

}  // namespace rgalign
