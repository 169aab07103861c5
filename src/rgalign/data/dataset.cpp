// Dataset directory layout.
#include "rgalign/data/dataset.h"

#include <filesystem>

#include "rgalign/common/error.h"

namespace rgalign {

Dataset Dataset::open(const std::string& dir, BadInputPolicy policy) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw InputError(dir, "dataset directory does not exist");
  Dataset d;
  d.dir_ = dir;
  d.schema_ = Schema::load((fs::path(dir) / "schema.yaml").string());
  d.catalog_ = IntentCatalog::load((fs::path(dir) / "intents.jsonl").string(), policy);
  return d;
}

void check_split_name(const std::string& split) {
  bool ok = !split.empty();
  for (char c : split) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  if (!ok)
    throw InputError("--split", "invalid split name \"" + split + "\"", "letters, digits, _ and - only");
}

std::string Dataset::split_path(const std::string& split) const {
  check_split_name(split);
  return (std::filesystem::path(dir_) / (split + ".jsonl")).string();
}

std::string Dataset::truth_path(const std::string& split) const {
  check_split_name(split);
  return (std::filesystem::path(dir_) / "truth" / (split + ".jsonl")).string();
}

bool Dataset::has_split(const std::string& split) const {
  return std::filesystem::exists(split_path(split));
}
bool Dataset::has_truth(const std::string& split) const {
  return std::filesystem::exists(truth_path(split));
}

}  // namespace rgalign
