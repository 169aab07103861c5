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

}  // namespace

std::string report_markdown(const std::string& title, const std::vector<ReportStage>& stages) {
  std::string md = "# " + title + "\n\nTest split; 95% bootstrap intervals over requests in brackets.\n\n";
  md += "| stage | model | GAUC | Recall@3 | NDCG@3 | MRR | error rate |\n|---|---|---|---|---|---|---|\n";
  const Json* oracle = nullptr;
  for (const auto& s : stages) {
    md += "| " + s.name + " | " + s.model + " | " + with_ci(s.metrics, "gauc") + " | " +
          with_ci(s.metrics, "recall@3") + " | " + with_ci(s.metrics, "ndcg@3") + " | " +
          num(s.metrics, "mrr") + " | " + num(s.metrics, "error_rate") + " |\n";
    if (s.metrics.contains("oracle")) oracle = &s.metrics["oracle"];
  }
  if (oracle)
    md += "| oracle | true click probabilities | " + num(*oracle, "gauc") + " | " + num(*oracle, "recall@3") +
          " | " + num(*oracle, "ndcg@3") + " | - | - |\n";
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
                  const Json& extra) {
  Json j = Json::object();
  j["title"] = title;
  Json arr = Json::array();
  for (const auto& s : stages) arr.push_back({{"name", s.name}, {"model", s.model}, {"metrics", s.metrics}});
  j["stages"] = std::move(arr);
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  write_json_file((std::filesystem::path(dir) / "report.json").string(), j);
  write_file_atomic((std::filesystem::path(dir) / "report.md").string(), report_markdown(title, stages));
}

}  // namespace rgalign
