// One feature's value in a request, typed by the schema: missing, a string (categorical, text), a number
// (numeric) or a list of strings (multi_categorical).
#pragma once

#include <string>
#include <vector>

#include "rgalign/common/json_util.h"

namespace rgalign {

enum class FeatureType { kCategorical, kNumeric, kMultiCategorical, kText };

const char* feature_type_name(FeatureType t);
// Throws InputError at `where` naming the accepted types when `name` is not one.
FeatureType parse_feature_type(const std::string& name, const std::string& where);

struct FeatureValue {
  enum class Kind { kMissing, kString, kNumber, kList };
  Kind kind = Kind::kMissing;
  std::string str;
  double num = 0.0;
  std::vector<std::string> list;

  static FeatureValue missing() { return {}; }
  static FeatureValue of_string(std::string s);
  static FeatureValue of_number(double x);
  static FeatureValue of_list(std::vector<std::string> items);
  bool is_missing() const { return kind == Kind::kMissing; }
};

// Converts a JSON value to the schema type. Categorical accepts a string or an integer (written as decimal),
// numeric a finite number, multi_categorical an array of strings, text a string; null is missing.
// Throws InputError at `where` naming `feature` and the expected type.
FeatureValue feature_value_from_json(const Json& v, FeatureType type, const std::string& feature,
                                     const std::string& where);
Json feature_value_to_json(const FeatureValue& v);

}  // namespace rgalign
