// Request file parsing, validation and writing.
#include "rgalign/data/requests.h"

#include <cmath>
#include <unordered_set>

#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/data/jsonl.h"

namespace rgalign {

namespace {

void parse_features(const Json& j, const Schema& schema, const std::string& where, Request& r) {
  r.features.assign(schema.size(), FeatureValue::missing());
  auto it = j.find("features");
  if (it == j.end() || it->is_null()) return;
  if (!it->is_object())
    throw InputError(where, std::string("\"features\" must be an object, got ") + it->type_name());
  for (auto f = it->begin(); f != it->end(); ++f) {
    int idx = schema.find(f.key());
    if (idx < 0)
      throw InputError(where, "unknown feature \"" + f.key() + "\"", "not declared in schema.yaml");
    r.features[static_cast<size_t>(idx)] =
        feature_value_from_json(f.value(), schema.at(static_cast<size_t>(idx)).type, f.key(), where);
  }
}

void resolve_clicked(const Json& j, const IntentCatalog& catalog, const std::string& where, Request& r) {
  std::vector<std::string> clicked = require_string_array(j, "clicked", where);
  r.candidates = catalog.candidates(r.market, r.ts);
  if (r.candidates.empty())
    throw InputError(where, "empty candidate set: no intent of market \"" + r.market + "\" is valid at ts " +
                                std::to_string(r.ts));
  r.labels.assign(r.candidates.size(), 0.0f);
  for (const auto& id : clicked) {
    int32_t idx = catalog.find(id);
    if (idx < 0)
      throw InputError(where, "unknown intent id \"" + id + "\" in \"clicked\"", "not in intents.jsonl");
    const Intent& in = catalog.at(idx);
    if (in.market != r.market)
      throw InputError(
          where, "clicked intent \"" + id + "\" belongs to market " + in.market + ", request is " + r.market);
    if (in.valid_from > r.ts)
      throw InputError(where, "clicked intent \"" + id + "\" is not valid yet at ts " + std::to_string(r.ts) +
                                  " (valid_from " + std::to_string(in.valid_from) + ")");
    for (size_t k = 0; k < r.candidates.size(); ++k)
      if (r.candidates[k] == idx) {
        if (r.labels[k] != 0.0f)
          throw InputError(where, "intent \"" + id + "\" appears twice in \"clicked\"");
        r.labels[k] = 1.0f;
      }
  }
}

void parse_explicit(const Json& j, const IntentCatalog& catalog, const std::string& where, Request& r) {
  std::vector<std::string> ids = require_string_array(j, "candidates", where);
  const Json& labels = require_field(j, "labels", where);
  if (!labels.is_array())
    throw InputError(where, std::string("\"labels\" must be an array, got ") + labels.type_name());
  if (ids.empty()) throw InputError(where, "empty candidate set: \"candidates\" is empty");
  if (labels.size() != ids.size())
    throw InputError(where, "\"labels\" has " + std::to_string(labels.size()) +
                                " entries but \"candidates\" has " + std::to_string(ids.size()));
  std::unordered_set<int32_t> seen;
  r.explicit_candidates = true;
  for (size_t k = 0; k < ids.size(); ++k) {
    int32_t idx = catalog.find(ids[k]);
    if (idx < 0)
      throw InputError(where, "unknown intent id \"" + ids[k] + "\" in \"candidates\"",
                       "not in intents.jsonl");
    if (!seen.insert(idx).second)
      throw InputError(where, "intent \"" + ids[k] + "\" appears twice in \"candidates\"");
    double y = require_finite_number(labels[k], "labels[" + std::to_string(k) + "]", where);
    if (y < 0) throw InputError(where, "\"labels[" + std::to_string(k) + "]\" must be >= 0");
    r.candidates.push_back(idx);
    r.labels.push_back(static_cast<float>(y));
  }
}

}  // namespace

Request parse_request(const std::string& text, const Schema& schema, const IntentCatalog& catalog,
                      const std::string& where) {
  Json j = parse_json(text, where);
  if (!j.is_object()) throw InputError(where, std::string("expected a JSON object, got ") + j.type_name());
  Request r;
  r.request_id = require_string(j, "request_id", where);
  if (r.request_id.empty()) throw InputError(where, "empty \"request_id\"");
  r.user_id = optional_string(j, "user_id", where, "");
  r.ts = require_int(j, "ts", where);
  r.market = require_string(j, "market", where);
  if (!catalog.has_market(r.market))
    throw InputError(where, "empty candidate set: unknown market \"" + r.market + "\"",
                     "no intent has this market");
  parse_features(j, schema, where, r);
  bool has_clicked = j.contains("clicked"), has_candidates = j.contains("candidates");
  if (has_clicked && has_candidates)
    throw InputError(where, "both \"clicked\" and \"candidates\" given", "use one form per line");
  if (has_candidates)
    parse_explicit(j, catalog, where, r);
  else if (has_clicked)
    resolve_clicked(j, catalog, where, r);
  else
    throw InputError(where, "missing field \"clicked\"", "or \"candidates\" + \"labels\"");
  return r;
}

std::string request_to_json_line(const Request& r, const Schema& schema, const IntentCatalog& catalog) {
  Json j;
  j["request_id"] = r.request_id;
  j["user_id"] = r.user_id;
  j["ts"] = r.ts;
  j["market"] = r.market;
  Json feats = Json::object();
  for (size_t i = 0; i < schema.size() && i < r.features.size(); ++i)
    if (!r.features[i].is_missing()) feats[schema.at(i).name] = feature_value_to_json(r.features[i]);
  j["features"] = std::move(feats);
  if (r.explicit_candidates) {
    Json ids = Json::array(), labels = Json::array();
    for (size_t k = 0; k < r.candidates.size(); ++k) {
      ids.push_back(catalog.at(r.candidates[k]).intent_id);
      labels.push_back(r.labels[k]);
    }
    j["candidates"] = std::move(ids);
    j["labels"] = std::move(labels);
  } else {
    Json clicked = Json::array();
    for (size_t k = 0; k < r.candidates.size(); ++k)
      if (r.labels[k] > 0) clicked.push_back(catalog.at(r.candidates[k]).intent_id);
    j["clicked"] = std::move(clicked);
  }
  return j.dump();
}

RequestReader::RequestReader(const std::string& path, const Schema& schema, const IntentCatalog& catalog,
                             BadInputPolicy policy, BadInputLog* log)
    : path_(path), schema_(schema), catalog_(catalog), policy_(policy), log_(log ? log : &own_log_) {
  in_.open(path);
  if (!in_) throw InputError(path, "cannot open request file");
}

RequestReader::~RequestReader() {
  if (log_ == &own_log_) own_log_.report(path_);
}

bool RequestReader::next(Request& out) {
  while (std::getline(in_, buf_)) {
    ++line_;
    if (!shard_.owns(line_) || is_blank_line(buf_)) continue;
    std::string where = location(path_, line_);
    try {
      out = parse_request(buf_, schema_, catalog_, where);
      out.line = line_;
      return true;
    } catch (const InputError& e) {
      if (policy_ == BadInputPolicy::kStrict) throw;
      log_->add(e.what());
    }
  }
  return false;
}

std::vector<Request> read_requests(const std::string& path, const Schema& schema,
                                   const IntentCatalog& catalog, BadInputPolicy policy, BadInputLog* log,
                                   const Shard& shard) {
  RequestReader reader(path, schema, catalog, policy, log);
  reader.set_shard(shard);
  std::vector<Request> out;
  Request r;
  while (reader.next(r)) out.push_back(std::move(r));
  return out;
}

}  // namespace rgalign
