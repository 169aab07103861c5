// A run directory (DESIGN.md section 4): run.json (what ran, configuration, versions, input hashes),
// metrics.jsonl (training curves), the model files and, where made, report.{json,md}.
#pragma once

#include <string>
#include <vector>

#include "rgalign/common/json_util.h"

namespace rgalign {

// Writes run.json atomically. `inputs` are files whose SHA-256 is recorded (missing ones are skipped).
void write_run_json(const std::string& run_dir, const std::string& command, const std::string& model,
                    const Json& config, const std::vector<std::string>& inputs);
Json read_run_json(const std::string& run_dir);
// Appends one JSON line to metrics.jsonl and flushes (a killed run loses at most the line being written).
void append_metrics_line(const std::string& run_dir, const Json& line);

}  // namespace rgalign
