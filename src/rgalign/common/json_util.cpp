// Defensive JSON helpers.
#include "rgalign/common/json_util.h"

#include <cmath>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"

namespace rgalign {

Json parse_json(const std::string& text, const std::string& where) {
  try {
    // Depth is bounded by nlohmann's recursive parser; callers that take network input limit size first.
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string msg = e.what();
    auto pos = msg.find("parse error");
    throw InputError(where, "invalid JSON: " + (pos == std::string::npos ? msg : msg.substr(pos)));
  }
}

Json read_json_file(const std::string& path) {
  return parse_json(read_file(path), path);
}

void write_json_file(const std::string& path, const Json& j) {
  write_file_atomic(path, j.dump(2) + "\n");
}

const char* json_type_name(const Json& value) {
  return value.type_name();
}

const Json& require_field(const Json& obj, const char* key, const std::string& where) {
  if (!obj.is_object())
    throw InputError(where, std::string("expected a JSON object, got ") + obj.type_name());
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) throw InputError(where, std::string("missing field \"") + key + "\"");
  return *it;
}

std::string require_string(const Json& obj, const char* key, const std::string& where) {
  const Json& v = require_field(obj, key, where);
  if (!v.is_string())
    throw InputError(where, std::string("field \"") + key + "\" must be a string, got " + v.type_name());
  return v.get<std::string>();
}

int64_t require_int(const Json& obj, const char* key, const std::string& where) {
  const Json& v = require_field(obj, key, where);
  if (!v.is_number_integer())
    throw InputError(where, std::string("field \"") + key + "\" must be an integer, got " + v.type_name());
  return v.get<int64_t>();
}

std::vector<std::string> require_string_array(const Json& obj, const char* key, const std::string& where) {
  const Json& v = require_field(obj, key, where);
  if (!v.is_array())
    throw InputError(where, std::string("field \"") + key + "\" must be an array, got " + v.type_name());
  std::vector<std::string> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      throw InputError(where, std::string("field \"") + key + "[" + std::to_string(i) +
                                  "]\" must be a string, got " + v[i].type_name());
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

std::string optional_string(const Json& obj, const char* key, const std::string& where,
                            const std::string& fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  return require_string(obj, key, where);
}

int64_t optional_int(const Json& obj, const char* key, const std::string& where, int64_t fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  return require_int(obj, key, where);
}

double require_finite_number(const Json& value, const std::string& field, const std::string& where) {
  if (!value.is_number())
    throw InputError(where, "field \"" + field + "\" must be a number, got " + value.type_name());
  double x = value.get<double>();
  if (!std::isfinite(x)) throw InputError(where, "field \"" + field + "\" must be finite");
  return x;
}

}  // namespace rgalign
