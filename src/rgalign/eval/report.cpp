// Report writing.
#include "rgalign/eval/report.h"

#include <cstdio>
#include <filesystem>

#include "rgalign/common/atomic_file.h"

namespace rgalign {

namespace {

std::string num(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", j[key].get<double>());
  return buf;
}

std::string with_ci(const Json& m, const char* key) {
  std::string s = num(m, key);
  if (m.contains("ci95") && m["ci95"].contains(key) && m["ci95"][key][0].is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " [%.4f, %.4f]", m["ci95"][key][0].get<double>(),
                  m["ci95"][key][1].get<double>());
    s += buf;
  }
  return s;
}

const Json* stage_metrics(const std::vector<ReportStage>& stages, const std::string& model) {
  for (const auto& s : stages)
    if (s.model == model) return &s.metrics;
  return nullptr;
}

// (stage - baseline) / (oracle - baseline) in GAUC, as text.
std::string gap_closed(const Json& stage, const Json& base) {
  if (!stage.contains("oracle") || !stage["gauc"].is_number() || !base["gauc"].is_number()) return "-";
  const double gap = stage["oracle"]["gauc"].get<double>() - base["gauc"].get<double>();
  if (!(gap > 0)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%",
                100.0 * (stage["gauc"].get<double>() - base["gauc"].get<double>()) / gap);
  return buf;
}

// Relative reduction of the error rate (1 - GAUC) against the baseline, as text.
std::string error_rate_reduction(const Json& stage, const Json& base) {
  if (!stage["gauc"].is_number() || !base["gauc"].is_number()) return "-";
  const double eb = 1 - base["gauc"].get<double>();
  if (!(eb > 0)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.2f%%", 100.0 * (eb - (1 - stage["gauc"].get<double>())) / eb);
  return buf;
}

}  // namespace

std::string signed_diff(const Json& d) {
  if (!d.is_object() || !d.contains("diff") || !d["diff"].is_number()) return "-";
  char buf[80];
  std::snprintf(buf, sizeof buf, "%+.4f [%+.4f, %+.4f]", d["diff"].get<double>(), d["ci95"][0].get<double>(),
                d["ci95"][1].get<double>());
  return buf;
}

std::string report_markdown(const std::string& title, const std::vector<ReportStage>& stages,
                            const std::string& baseline_model) {
  std::string md = "# " + title + "\n\nTest split; 95% bootstrap intervals over requests in brackets.\n\n";
  const Json* base = baseline_model.empty() ? nullptr : stage_metrics(stages, baseline_model);
  md +=
      "| stage | model | GAUC | error rate | error-rate reduction | Recall@3 | NDCG@3 | MRR |\n"
      "|---|---|---|---|---|---|---|---|\n";
  const Json* oracle = nullptr;
  for (const auto& s : stages) {
    md += "| " + s.name + " | " + s.model + " | " + with_ci(s.metrics, "gauc") + " | " +
          num(s.metrics, "error_rate") + " | " + (base ? error_rate_reduction(s.metrics, *base) : "-") +
          " | " + with_ci(s.metrics, "recall@3") + " | " + with_ci(s.metrics, "ndcg@3") + " | " +
          num(s.metrics, "mrr") + " |\n";
    if (s.metrics.contains("oracle")) oracle = &s.metrics["oracle"];
  }
  if (oracle)
    md += "| oracle | true click probabilities | " + num(*oracle, "gauc") + " | - | - | " +
          num(*oracle, "recall@3") + " | " + num(*oracle, "ndcg@3") + " | - |\n";
  // Paired differences to the production baseline: the same test requests, resampled together.
  bool any_paired = false;
  for (const auto& s : stages) any_paired = any_paired || s.paired.is_object();
  if (base && any_paired) {
    md +=
        "\n## Against the production baseline (" + baseline_model +
        ")\n\nDifference on the same test requests, 95% paired-bootstrap interval in brackets; gap closed = "
        "(stage - baseline) / (oracle - baseline) in GAUC.\n\n"
        "| stage | model | ΔGAUC | ΔRecall@3 | ΔNDCG@3 | cold-intent ΔRecall@3 | gap closed |\n"
        "|---|---|---|---|---|---|---|\n";
    for (const auto& s : stages) {
      if (!s.paired.is_object()) continue;
      const Json cold = s.paired.contains("segments") && s.paired["segments"].contains("cold_intent")
                            ? s.paired["segments"]["cold_intent"]["recall@3"]
                            : Json();
      md += "| " + s.name + " | " + s.model + " | " + signed_diff(s.paired["gauc"]) + " | " +
            signed_diff(s.paired["recall@3"]) + " | " + signed_diff(s.paired["ndcg@3"]) + " | " +
            signed_diff(cold) + " | " + gap_closed(s.metrics, *base) + " |\n";
    }
  }
  bool any_previous = false;
  for (const auto& s : stages) any_previous = any_previous || s.paired_previous.is_object();
  if (any_previous) {
    md +=
        "\n## Against the previous stage\n\nDifference on the same test requests, 95% paired-bootstrap "
        "interval in brackets.\n\n| stage | ΔGAUC | ΔRecall@3 | ΔNDCG@3 |\n|---|---|---|---|\n";
    for (const auto& s : stages)
      if (s.paired_previous.is_object())
        md += "| " + s.name + " | " + signed_diff(s.paired_previous["gauc"]) + " | " +
              signed_diff(s.paired_previous["recall@3"]) + " | " + signed_diff(s.paired_previous["ndcg@3"]) +
              " |\n";
  }
  // Segments of the last stage: where the model is weakest.
  if (!stages.empty() && stages.back().metrics.contains("segments")) {
    md += "\n## Segments (" + stages.back().name +
          ")\n\n| segment | requests | GAUC | Recall@3 |\n|---|---|---|---|\n";
    for (const auto& [name, m] : stages.back().metrics["segments"].items())
      md += "| " + name + " | " + std::to_string(m.value("n_groups", 0)) + " | " + num(m, "gauc") + " | " +
            num(m, "recall@3") + " |\n";
  }
  return md;
}

void write_report(const std::string& dir, const std::string& title, const std::vector<ReportStage>& stages,
                  const Json& extra, const std::string& baseline_model, const std::string& appendix) {
  Json j = Json::object();
  j["title"] = title;
  Json arr = Json::array();
  for (const auto& s : stages) {
    Json st = {{"name", s.name}, {"model", s.model}, {"metrics", s.metrics}};
    if (s.paired.is_object()) st["paired_vs_baseline"] = s.paired;
    if (s.paired_previous.is_object()) st["paired_vs_previous"] = s.paired_previous;
    if (!s.monitor.is_null()) st["monitor"] = s.monitor;
    arr.push_back(std::move(st));
  }
  if (!baseline_model.empty()) j["baseline_model"] = baseline_model;
  j["stages"] = std::move(arr);
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  write_json_file((std::filesystem::path(dir) / "report.json").string(), j);
  write_file_atomic((std::filesystem::path(dir) / "report.md").string(),
                    report_markdown(title, stages, baseline_model) + appendix);
}

}  // namespace rgalign
