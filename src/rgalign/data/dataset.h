// A dataset directory (DESIGN.md section 3): schema.yaml, intents.jsonl, <split>.jsonl, truth/<split>.jsonl.
#pragma once

#include <string>

#include "rgalign/data/intents.h"
#include "rgalign/data/schema.h"

namespace rgalign {

class Dataset {
 public:
  // Loads schema and intents; splits are streamed on demand. Throws InputError naming what is missing.
  static Dataset open(const std::string& dir, BadInputPolicy policy = BadInputPolicy::kStrict);

  const std::string& dir() const { return dir_; }
  const Schema& schema() const { return schema_; }
  const IntentCatalog& catalog() const { return catalog_; }
  std::string split_path(const std::string& split) const;
  std::string truth_path(const std::string& split) const;
  bool has_split(const std::string& split) const;
  bool has_truth(const std::string& split) const;

 private:
  std::string dir_;
  Schema schema_;
  IntentCatalog catalog_;
};

// Split names are plain words: guards against paths such as "../x" in --split.
void check_split_name(const std::string& split);

}  // namespace rgalign
