// Run directory bookkeeping and the model factory.
#include "rgalign/rank/run_dir.h"

#include <ctime>
#include <filesystem>
#include <fstream>

#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"
#include "rgalign/rank/neural_scorer.h"
#include "rgalign/rank/popularity.h"
#include "rgalign/rank/scorer.h"

namespace rgalign {

namespace fs = std::filesystem;

void write_run_json(const std::string& run_dir, const std::string& command, const std::string& model,
                    const Json& config, const std::vector<std::string>& inputs) {
  Json j;
  j["format"] = "rgalign-run/1";
  j["command"] = command;
  j["model"] = model;
  j["config"] = config;
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  j["created_at"] = when;
  j["versions"] = {{"rgalign", RGALIGN_VERSION}, {"compiler", __VERSION__}, {"cplusplus", __cplusplus}};
  Json hashes = Json::object();
  for (const auto& path : inputs)
    if (fs::exists(path)) hashes[path] = sha256_file(path);
  j["input_sha256"] = std::move(hashes);
  write_json_file((fs::path(run_dir) / "run.json").string(), j);
}

Json read_run_json(const std::string& run_dir) {
  std::string path = (fs::path(run_dir) / "run.json").string();
  if (!fs::exists(path))
    throw InputError(run_dir, "not a run directory (no run.json)", "create one with rgalign train");
  Json j = read_json_file(path);
  require_string(j, "model", path);
  return j;
}

void append_metrics_line(const std::string& run_dir, const Json& line) {
  std::string path = (fs::path(run_dir) / "metrics.jsonl").string();
  std::ofstream out(path, std::ios::app);
  if (!out) throw InputError(path, "cannot append");
  out << line.dump() << "\n";
  out.flush();
}

std::unique_ptr<Scorer> load_scorer(const std::string& run_dir, const Dataset& data) {
  Json run = read_run_json(run_dir);
  const std::string model = run["model"].get<std::string>();
  if (model == "popularity")
    return std::make_unique<PopularityModel>(
        PopularityModel::load((fs::path(run_dir) / "model.json").string(), data));
  if (model == "dnn" || model == "two-tower" || model == "text-bow" || model == "qe-rec")
    return NeuralScorer::load(run_dir, data);
  throw InputError((fs::path(run_dir) / "run.json").string(), "unknown model \"" + model + "\"",
                   "this build knows popularity, dnn, two-tower, text-bow, qe-rec");
}

}  // namespace rgalign
