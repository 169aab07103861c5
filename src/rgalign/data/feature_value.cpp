// Typed feature values and their JSON form.
#include "rgalign/data/feature_value.h"

#include <cmath>

#include "rgalign/common/error.h"

namespace rgalign {

const char* feature_type_name(FeatureType t) {
  switch (t) {
    case FeatureType::kCategorical: return "categorical";
    case FeatureType::kNumeric: return "numeric";
    case FeatureType::kMultiCategorical: return "multi_categorical";
    case FeatureType::kText: return "text";
  }
  return "?";
}

FeatureType parse_feature_type(const std::string& name, const std::string& where) {
  if (name == "categorical") return FeatureType::kCategorical;
  if (name == "numeric") return FeatureType::kNumeric;
  if (name == "multi_categorical") return FeatureType::kMultiCategorical;
  if (name == "text") return FeatureType::kText;
  throw InputError(where, "unknown feature type \"" + name + "\"",
                   "expected categorical|numeric|multi_categorical|text");
}

FeatureValue FeatureValue::of_string(std::string s) {
  FeatureValue v;
  v.kind = Kind::kString;
  v.str = std::move(s);
  return v;
}

FeatureValue FeatureValue::of_number(double x) {
  FeatureValue v;
  v.kind = Kind::kNumber;
  v.num = x;
  return v;
}

FeatureValue FeatureValue::of_list(std::vector<std::string> items) {
  FeatureValue v;
  v.kind = Kind::kList;
  v.list = std::move(items);
  return v;
}

FeatureValue feature_value_from_json(const Json& v, FeatureType type, const std::string& feature,
                                     const std::string& where) {
  if (v.is_null()) return FeatureValue::missing();
  auto wrong = [&](const char* expected) {
    return InputError(where, "feature \"" + feature + "\" (" + feature_type_name(type) + ") must be " +
                                 expected + ", got " + v.type_name());
  };
  switch (type) {
    case FeatureType::kCategorical:
      if (v.is_string()) return FeatureValue::of_string(v.get<std::string>());
      if (v.is_number_integer()) return FeatureValue::of_string(std::to_string(v.get<int64_t>()));
      throw wrong("a string or an integer");
    case FeatureType::kText:
      if (v.is_string()) return FeatureValue::of_string(v.get<std::string>());
      throw wrong("a string");
    case FeatureType::kNumeric: {
      if (!v.is_number()) throw wrong("a number");
      double x = v.get<double>();
      if (!std::isfinite(x)) throw InputError(where, "feature \"" + feature + "\" must be finite");
      return FeatureValue::of_number(x);
    }
    case FeatureType::kMultiCategorical: {
      if (!v.is_array()) throw wrong("an array of strings");
      std::vector<std::string> items;
      items.reserve(v.size());
      for (const auto& e : v) {
        if (!e.is_string()) throw wrong("an array of strings");
        items.push_back(e.get<std::string>());
      }
      return FeatureValue::of_list(std::move(items));
    }
  }
  throw wrong("a known type");
}

Json feature_value_to_json(const FeatureValue& v) {
  switch (v.kind) {
    case FeatureValue::Kind::kMissing: return nullptr;
    case FeatureValue::Kind::kString: return v.str;
    case FeatureValue::Kind::kNumber: return v.num;
    case FeatureValue::Kind::kList: return v.list;
  }
  return nullptr;
}

}  // namespace rgalign
