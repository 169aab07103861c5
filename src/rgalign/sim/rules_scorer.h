// The simulated world's own rules as a ranker: a candidate's score is its click probability given the
// request's features alone, i.e. the need rules and the Knowledge Base's intent shares without the user's
// hidden taste. It reads hidden parts of the world (the rules and the shares), so it is a diagnostic, never a
// model: it is the ceiling of any ranker that reads only the features, between what the rankers reach and
// the oracle (which also knows each user's taste).
#pragma once

#include <string>
#include <unordered_map>

#include "rgalign/data/dataset.h"
#include "rgalign/rank/scorer.h"
#include "rgalign/sim/kb.h"
#include "rgalign/sim/markets.h"

namespace rgalign::sim {

class RulesScorer : public Scorer {
 public:
  // Rebuilds the world's Knowledge Base from `data`'s world.json; throws InputError naming the file when the
  // directory is not a simulated world or its intents differ from the rebuilt ones. `data` must outlive it.
  explicit RulesScorer(const Dataset& data);
  std::string model_name() const override { return "world-rules"; }
  void score(const Request& r, std::vector<float>& out) const override;

 private:
  const Dataset& data_;
  std::vector<MarketProfile> markets_;
  std::unordered_map<std::string, int> market_index_;
  WorldKb kb_;
};

}  // namespace rgalign::sim
