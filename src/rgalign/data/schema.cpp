// schema.yaml reading (defensive, line-numbered errors) and writing.
#include "rgalign/data/schema.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"

namespace rgalign {

namespace {

std::string where_of(const std::string& path, const YAML::Node& n) {
  return location(path, n.Mark().line >= 0 ? n.Mark().line + 1 : 0);
}

template <class T>
T scalar_as(const YAML::Node& n, const std::string& key, const char* expected, const std::string& path) {
  if (!n.IsScalar()) throw InputError(where_of(path, n), "\"" + key + "\" must be " + expected);
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    throw InputError(where_of(path, n),
                     "\"" + key + "\" must be " + expected + ", got \"" + n.Scalar() + "\"");
  }
}

size_t count_placeholders(const std::string& s) {
  size_t n = 0;
  for (size_t p = s.find("{}"); p != std::string::npos; p = s.find("{}", p + 2)) ++n;
  return n;
}

FeatureSpec parse_feature(const YAML::Node& node, const std::string& path) {
  static const std::set<std::string> kKeys = {"name",    "type",   "buckets",    "hash_buckets",
                                              "max_len", "render", "description"};
  if (!node.IsMap()) throw InputError(where_of(path, node), "each feature must be a mapping");
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = it->first.Scalar();
    if (!kKeys.count(key))
      throw InputError(where_of(path, it->first), "unknown key \"" + key + "\" in feature",
                       "expected name, type, buckets, hash_buckets, max_len, render, description");
  }
  FeatureSpec f;
  if (!node["name"]) throw InputError(where_of(path, node), "feature without \"name\"");
  f.name = scalar_as<std::string>(node["name"], "name", "a string", path);
  if (f.name.empty()) throw InputError(where_of(path, node["name"]), "empty feature name");
  if (!node["type"]) throw InputError(where_of(path, node), "feature \"" + f.name + "\" has no \"type\"");
  f.type = parse_feature_type(scalar_as<std::string>(node["type"], "type", "a string", path),
                              where_of(path, node["type"]));
  if (auto b = node["buckets"]) {
    if (!b.IsSequence()) throw InputError(where_of(path, b), "\"buckets\" must be a list of numbers");
    if (f.type != FeatureType::kNumeric)
      throw InputError(where_of(path, b), "\"buckets\" is only valid for numeric features");
    for (const auto& x : b) f.buckets.push_back(scalar_as<double>(x, "buckets", "a number", path));
    for (size_t i = 1; i < f.buckets.size(); ++i)
      if (!(f.buckets[i] > f.buckets[i - 1]))
        throw InputError(where_of(path, b), "\"buckets\" of \"" + f.name + "\" must be strictly increasing");
  }
  if (auto h = node["hash_buckets"]) {
    f.hash_buckets = scalar_as<int64_t>(h, "hash_buckets", "an integer", path);
    if (f.hash_buckets <= 0) throw InputError(where_of(path, h), "\"hash_buckets\" must be positive");
    if (f.type != FeatureType::kCategorical && f.type != FeatureType::kMultiCategorical)
      throw InputError(where_of(path, h), "\"hash_buckets\" is only valid for categorical features");
  }
  if (auto m = node["max_len"]) {
    f.max_len = scalar_as<int64_t>(m, "max_len", "an integer", path);
    if (f.max_len <= 0) throw InputError(where_of(path, m), "\"max_len\" must be positive");
  }
  if (auto r = node["render"]) {
    f.render = scalar_as<std::string>(r, "render", "a string", path);
    if (count_placeholders(f.render) != 1)
      throw InputError(where_of(path, r), "\"render\" of \"" + f.name + "\" must contain exactly one {}");
  }
  if (auto d = node["description"])
    f.description = scalar_as<std::string>(d, "description", "a string", path);
  return f;
}

}  // namespace

Schema Schema::load(const std::string& path) {
  return parse(read_file(path), path);
}

Schema Schema::parse(const std::string& yaml_text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw InputError(location(path, e.mark.line + 1), "invalid YAML: " + e.msg);
  }
  if (!root.IsMap()) throw InputError(path, "schema must be a mapping with \"version\" and \"features\"");
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string key = it->first.Scalar();
    if (key != "version" && key != "features")
      throw InputError(where_of(path, it->first), "unknown key \"" + key + "\"",
                       "expected version, features");
  }
  if (auto v = root["version"]) {
    int version = scalar_as<int>(v, "version", "an integer", path);
    if (version != kVersion)
      throw InputError(where_of(path, v), "unsupported schema version " + std::to_string(version),
                       "this build reads version 1");
  }
  auto feats = root["features"];
  if (!feats || !feats.IsSequence() || feats.size() == 0)
    throw InputError(path, "\"features\" must be a non-empty list");
  Schema s;
  for (const auto& node : feats) {
    FeatureSpec f = parse_feature(node, path);
    if (s.find(f.name) >= 0)
      throw InputError(where_of(path, node), "duplicate feature name \"" + f.name + "\"");
    s.add(std::move(f));
  }
  return s;
}

void Schema::add(FeatureSpec spec) {
  if (index_.count(spec.name)) throw InputError("schema", "duplicate feature name \"" + spec.name + "\"");
  index_[spec.name] = static_cast<int>(features_.size());
  features_.push_back(std::move(spec));
}

int Schema::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

std::string Schema::to_yaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "version" << YAML::Value << kVersion;
  out << YAML::Key << "features" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : features_) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << f.name;
    out << YAML::Key << "type" << YAML::Value << feature_type_name(f.type);
    if (!f.buckets.empty()) out << YAML::Key << "buckets" << YAML::Value << YAML::Flow << f.buckets;
    if (f.hash_buckets > 0) out << YAML::Key << "hash_buckets" << YAML::Value << f.hash_buckets;
    if (f.max_len > 0) out << YAML::Key << "max_len" << YAML::Value << f.max_len;
    if (!f.render.empty()) out << YAML::Key << "render" << YAML::Value << YAML::DoubleQuoted << f.render;
    if (!f.description.empty()) out << YAML::Key << "description" << YAML::Value << f.description;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void Schema::save(const std::string& path) const {
  write_file_atomic(path, to_yaml());
}

}  // namespace rgalign
