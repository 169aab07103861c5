// The simulated Knowledge Base: per market, 100-250 intents that word the shared concepts in the market's own
// way, with market-specific ids (an id carries nothing across markets; the text does). Cold intents join in
// the test week.
#pragma once

#include <cstdint>
#include <vector>

#include "rgalign/data/intents.h"
#include "rgalign/sim/markets.h"

namespace rgalign::sim {

struct WorldKb {
  IntentCatalog catalog;
  std::vector<int> concept_of;                             // [n_intents]
  std::vector<double> weight;                              // [n_intents] relative share within its concept
  std::vector<bool> cold;                                  // [n_intents]
  std::vector<std::vector<std::vector<int32_t>>> members;  // [market][concept] -> intent indices
};

// intents_per_market 0 draws each market's size in [110, 230]; values below the number of concepts are raised
// to it. Cold intents get valid_from = cold_valid_from (unix seconds).
WorldKb build_kb(const std::vector<MarketProfile>& markets, uint64_t seed, int intents_per_market,
                 int cold_per_market, int64_t cold_valid_from);

// Replaces {parcel}-style placeholders with the market's words; capitalises a leading placeholder.
std::string market_wording(const std::string& text, const MarketProfile& m);

}  // namespace rgalign::sim
