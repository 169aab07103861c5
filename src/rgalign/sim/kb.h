// The simulated Knowledge Base: per market, 100-250 intents that word the shared concepts in the market's own
// way, with market-specific ids (an id carries nothing across markets; the text does). New articles join
// at weekly launches; those launched in the test week are the cold intents.
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
  std::vector<bool> cold;                                  // [n_intents] launched at or after cold_from
  std::vector<std::vector<std::vector<int32_t>>> members;  // [market][concept] -> intent indices
};

// intents_per_market 0 draws each market's size in [110, 230]; values below the number of concepts are raised
// to it. At each of `launches` (unix seconds) every market gets new_per_launch new articles ("New: ..."),
// valid from then on and featured with 1.5x the weight of their concept's top original intent; those
// launched at or after cold_from are cold.
WorldKb build_kb(const std::vector<MarketProfile>& markets, uint64_t seed, int intents_per_market,
                 int new_per_launch, const std::vector<int64_t>& launches, int64_t cold_from);

// Replaces {parcel}-style placeholders with the market's words; capitalises a leading placeholder.
std::string market_wording(const std::string& text, const MarketProfile& m);

}  // namespace rgalign::sim
