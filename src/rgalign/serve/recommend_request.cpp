// Recommend request parsing.
#include "rgalign/serve/recommend_request.h"

#include <cmath>

#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"

namespace rgalign {

int json_depth(const std::string& text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

RecommendRequest parse_recommend(const std::string& body, const Schema& schema, const IntentCatalog& catalog,
                                 const RecommendLimits& limits, int64_t now) {
  if (body.empty()) throw RequestError(400, "empty body: expected a JSON object");
  if (json_depth(body) > limits.max_depth)
    throw RequestError(400, "JSON nested deeper than " + std::to_string(limits.max_depth) + " levels");
  Json j;
  try {
    j = Json::parse(body);
  } catch (const Json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." or "... number overflow ...".
    std::string why = e.what();
    const size_t at = why.find("] ");
    throw RequestError(400, "invalid JSON: " + (at == std::string::npos ? why : why.substr(at + 2)));
  }
  if (!j.is_object())
    throw RequestError(400, std::string("body must be a JSON object, got ") + j.type_name());
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "market" && it.key() != "features" && it.key() != "k" && it.key() != "ts")
      throw RequestError(400, "unknown field \"" + it.key() + "\" (expected market, features, k, ts)");

  RecommendRequest out;
  Request& r = out.request;
  auto m = j.find("market");
  if (m == j.end()) throw RequestError(400, "\"market\" is required");
  if (!m->is_string())
    throw RequestError(400, std::string("\"market\" must be a string, got ") + m->type_name());
  r.market = m->get<std::string>();
  if (catalog.market_intents(r.market).empty())
    throw RequestError(400, "unknown market \"" + r.market + "\"");

  auto k = j.find("k");
  if (k != j.end() && !k->is_null()) {
    if (k->is_number_float()) {
      const double x = k->get<double>();
      if (!std::isfinite(x)) throw RequestError(400, "\"k\" must be a finite integer");
      if (x != std::floor(x)) throw RequestError(400, "\"k\" must be an integer, got " + k->dump());
    } else if (!k->is_number_integer()) {
      throw RequestError(400, std::string("\"k\" must be an integer, got ") + k->type_name());
    }
    const double x = k->get<double>();
    if (x < 1 || x > limits.max_k)
      throw RequestError(
          400, "\"k\" must be between 1 and " + std::to_string(limits.max_k) + ", got " + k->dump());
    out.k = static_cast<int>(x);
  }

  r.ts = now;
  auto ts = j.find("ts");
  if (ts != j.end() && !ts->is_null()) {
    if (!ts->is_number_integer())
      throw RequestError(400, std::string("\"ts\" must be an integer (unix seconds)"));
    r.ts = ts->get<int64_t>();
  }

  r.features.assign(schema.size(), FeatureValue::missing());
  auto f = j.find("features");
  if (f != j.end() && !f->is_null()) {
    if (!f->is_object())
      throw RequestError(400, std::string("\"features\" must be an object, got ") + f->type_name());
    for (auto it = f->begin(); it != f->end(); ++it) {
      const int idx = schema.find(it.key());
      if (idx < 0) {
        if (limits.strict_features) throw RequestError(400, "unknown feature \"" + it.key() + "\"");
        out.ignored_features.push_back(it.key());
        continue;
      }
      const auto& spec = schema.at(static_cast<size_t>(idx));
      if (it.value().is_number_float() && !std::isfinite(it.value().get<double>()))
        throw RequestError(400, "feature \"" + it.key() + "\" must be a finite number");
      try {
        r.features[static_cast<size_t>(idx)] =
            feature_value_from_json(it.value(), spec.type, it.key(), "features");
      } catch (const InputError& e) {
        throw RequestError(400, e.reason());
      }
    }
  }
  r.candidates = catalog.candidates(r.market, r.ts);
  if (r.candidates.empty())
    throw RequestError(422,
                       "no intent of market \"" + r.market + "\" is valid at ts " + std::to_string(r.ts));
  r.labels.assign(r.candidates.size(), 0.f);
  r.request_id = "online";
  return out;
}

}  // namespace rgalign
