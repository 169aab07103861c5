// schema.yaml (data contract version 1): the features, their types, encodings and prompt templates.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "rgalign/data/feature_value.h"

namespace rgalign {

struct FeatureSpec {
  std::string name;
  FeatureType type = FeatureType::kCategorical;
  std::vector<double> buckets;  // numeric boundaries, strictly increasing; empty = fit quantiles on train
  int64_t hash_buckets = 0;  // > 0: categorical values hashed into this many buckets instead of a vocabulary
  int64_t max_len = 0;       // multi_categorical / text: longest sequence kept by encoders (0 = default)
  std::string render;        // prompt template with one "{}" for the value
  std::string description;   // free text for humans
};

class Schema {
 public:
  static constexpr int kVersion = 1;

  // Parses and validates schema.yaml. Unknown keys, wrong types, duplicate names, unsorted buckets and
  // templates without exactly one "{}" are errors naming the file and line.
  static Schema load(const std::string& path);
  static Schema parse(const std::string& yaml_text, const std::string& path);
  std::string to_yaml() const;
  void save(const std::string& path) const;

  void add(FeatureSpec spec);  // throws InputError on a duplicate name
  const std::vector<FeatureSpec>& features() const { return features_; }
  size_t size() const { return features_.size(); }
  const FeatureSpec& at(size_t i) const { return features_[i]; }
  // Index of the feature or -1.
  int find(const std::string& name) const;

 private:
  std::vector<FeatureSpec> features_;
  std::unordered_map<std::string, int> index_;
};

}  // namespace rgalign
