// Popularity baseline.
#include "rgalign/rank/popularity.h"

#include <cmath>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/common/progress.h"

namespace rgalign {

PopularityModel PopularityModel::fit(const Dataset& data, const std::string& train_path, double alpha,
                                     BadInputPolicy policy, BadInputLog* log) {
  if (!(alpha > 0)) throw InputError("--alpha", "smoothing must be positive");
  PopularityModel m;
  m.catalog_ = &data.catalog();
  m.alpha_ = alpha;
  RequestReader reader(train_path, data.schema(), data.catalog(), policy, log);
  Request r;
  Progress progress("popularity", 0, "requests");
  while (reader.next(r)) {
    ++m.n_requests_;
    for (size_t k = 0; k < r.candidates.size(); ++k)
      if (r.labels[k] > 0) {
        m.intent_clicks_[data.catalog().at(r.candidates[k]).intent_id] += r.labels[k];
        m.market_clicks_[r.market] += r.labels[k];
      }
    progress.advance();
  }
  progress.finish();
  if (m.n_requests_ == 0) throw InputError(train_path, "no training requests");
  return m;
}

void PopularityModel::score(const Request& r, std::vector<float>& out) const {
  out.resize(r.candidates.size());
  auto mk = market_clicks_.find(r.market);
  const double total = mk == market_clicks_.end() ? 0.0 : mk->second;
  const double denom = total + alpha_ * static_cast<double>(catalog_->market_intents(r.market).size());
  for (size_t k = 0; k < r.candidates.size(); ++k) {
    auto it = intent_clicks_.find(catalog_->at(r.candidates[k]).intent_id);
    const double c = it == intent_clicks_.end() ? 0.0 : it->second;
    out[k] = static_cast<float>(std::log((c + alpha_) / denom));
  }
}

void PopularityModel::save(const std::string& path) const {
  Json j;
  j["model"] = "popularity";
  j["alpha"] = alpha_;
  j["train_requests"] = n_requests_;
  Json markets = Json::object(), intents = Json::object();
  std::map<std::string, double> sorted_m(market_clicks_.begin(), market_clicks_.end());
  std::map<std::string, double> sorted_i(intent_clicks_.begin(), intent_clicks_.end());
  for (const auto& [k, v] : sorted_m) markets[k] = v;
  for (const auto& [k, v] : sorted_i) intents[k] = v;
  j["market_clicks"] = std::move(markets);
  j["intent_clicks"] = std::move(intents);
  write_json_file(path, j);
}

PopularityModel PopularityModel::load(const std::string& path, const Dataset& data) {
  Json j = read_json_file(path);
  if (!j.is_object() || j.value("model", "") != "popularity")
    throw InputError(path, "not a popularity model");
  PopularityModel m;
  m.catalog_ = &data.catalog();
  m.alpha_ = require_finite_number(require_field(j, "alpha", path), "alpha", path);
  m.n_requests_ = require_int(j, "train_requests", path);
  for (const char* key : {"market_clicks", "intent_clicks"}) {
    const Json& obj = require_field(j, key, path);
    if (!obj.is_object()) throw InputError(path, std::string("\"") + key + "\" must be an object");
    auto& target = std::string(key) == "market_clicks" ? m.market_clicks_ : m.intent_clicks_;
    for (auto it = obj.begin(); it != obj.end(); ++it)
      target[it.key()] = require_finite_number(it.value(), std::string(key) + "." + it.key(), path);
  }
  return m;
}

}  // namespace rgalign
