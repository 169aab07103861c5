// The world's rules as a ranker (diagnostic).
#include "rgalign/sim/rules_scorer.h"

#include <cmath>
#include <filesystem>

#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/sim/needs.h"
#include "rgalign/sim/observation.h"
#include "rgalign/sim/world.h"

namespace rgalign::sim {

RulesScorer::RulesScorer(const Dataset& data) : data_(data) {
  const std::string path = (std::filesystem::path(data.dir()) / "world.json").string();
  if (!std::filesystem::exists(path))
    throw InputError(path, "not found: the world's rules exist only for data written by `rgalign simulate`");
  const Json w = read_json_file(path);
  try {
    markets_ = select_markets(w.at("markets").get<std::vector<std::string>>());
    kb_ = build_kb(markets_, w.at("seed").get<uint64_t>(), w.at("intents_per_market").get<int>(),
                   w.at("cold_intents").get<int>(), w.at("launches").get<std::vector<int64_t>>(),
                   w.at("test_from").get<int64_t>());
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, std::string("not a world description: ") + e.what());
  }
  for (size_t m = 0; m < markets_.size(); ++m) market_index_[markets_[m].code] = static_cast<int>(m);
  // Candidates are indices into the dataset's catalogue; the rebuilt one must be the same list.
  const IntentCatalog& cat = data.catalog();
  bool same = cat.size() == kb_.catalog.size();
  for (size_t i = 0; same && i < cat.size(); ++i)
    same = cat.at(static_cast<int32_t>(i)).intent_id == kb_.catalog.at(static_cast<int32_t>(i)).intent_id;
  if (!same)
    throw InputError(path, "the intents rebuilt from it differ from intents.jsonl",
                     "the rules apply only to an unmodified simulated dataset");
}

void RulesScorer::score(const Request& r, std::vector<float>& out) const {
  auto it = market_index_.find(r.market);
  if (it == market_index_.end())
    throw InputError("request " + r.request_id, "market \"" + r.market + "\" is not in this world");
  const MarketProfile& m = markets_[static_cast<size_t>(it->second)];
  const Observation o = Observation::from_features(r.features, data_.schema());
  std::vector<double> needs = need_logits(o, m);
  softmax_inplace(needs);
  const std::vector<double> p = click_probabilities(kb_, it->second, r.candidates, needs);
  out.resize(p.size());
  for (size_t k = 0; k < p.size(); ++k) out[k] = static_cast<float>(std::log(p[k]));
}

}  // namespace rgalign::sim
