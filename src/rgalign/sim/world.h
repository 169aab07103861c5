// `rgalign simulate`: writes a complete dataset directory (DESIGN.md section 3) for the simulated chatbot
// world, streaming users one at a time so that millions of requests never sit in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rgalign/sim/kb.h"
#include "rgalign/sim/markets.h"

namespace rgalign::sim {

// Monday 2026-01-05 00:00 UTC: day 0 of every simulated world.
constexpr int64_t kWorldEpoch = 1767571200;

struct WorldOptions {
  std::string out;
  uint64_t seed = 1;
  int users = 20000;
  int weeks = 6;
  std::vector<std::string> markets = {"SG", "MY", "PH", "TH", "VN", "ID", "BR", "TW"};
  int intents_per_market = 0;   // 0: each market draws its own size in [110, 230]
  int cold_intents = 3;         // new intents per market launched each week after the first
  double valid_fraction = 0.1;  // share of pre-test requests held out as valid

  template <class V>
  void visit(V&& v) {
    v("out", out, "output dataset directory", true);
    v("seed", seed, "random seed (same seed and flags -> byte-identical files)");
    v("users", users, "number of users");
    v("weeks", weeks, "weeks simulated; the last is the test split");
    v("markets", markets, "comma-separated market codes");
    v("intents-per-market", intents_per_market, "intents per market (0 = each market draws 110-230)");
    v("cold-intents", cold_intents,
      "new intents per market launched at the start of each week after the first (those of the test week are "
      "cold: never seen in training)");
    v("valid-fraction", valid_fraction, "share of pre-test requests held out for validation");
  }
  void validate() const;
};

struct WorldSummary {
  int64_t n_train = 0, n_valid = 0, n_test = 0, n_intents = 0, n_users = 0;
  double mean_candidates = 0, seconds = 0;
};

WorldSummary generate_world(const WorldOptions& opt);

// The true click distribution over a request's candidates (catalogue indices valid at the request's time):
// 97% from the need distribution spread over each concept's intents by their shares, 3% uniform browsing.
std::vector<double> click_probabilities(const WorldKb& kb, int market, const std::vector<int32_t>& candidates,
                                        const std::vector<double>& need_probs);

}  // namespace rgalign::sim
