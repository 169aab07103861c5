// The simulated KB: taxonomy breadth, per-market size and wording, ids, weekly launches and cold intents.
#include <gtest/gtest.h>

#include <set>

#include "rgalign/sim/concepts.h"
#include "rgalign/sim/kb.h"

namespace rgalign::sim {
namespace {

TEST(Kb, TaxonomyCoversEightDomainsAndFortyConcepts) {
  std::set<Domain> domains;
  for (const auto& c : concepts()) {
    domains.insert(c.domain);
    EXPECT_GE(c.titles.size(), 4u) << c.key;
    EXPECT_FALSE(c.descriptions.empty()) << c.key;
  }
  EXPECT_GE(concepts().size(), 40u);
  domains.erase(Domain::kGeneral);
  EXPECT_EQ(domains.size(), 8u);
}

TEST(Kb, EachMarketHasItsOwnSizeIdsAndWording) {
  const auto& markets = default_markets();
  WorldKb kb = build_kb(markets, 7, 0, 2, {1000, 5000}, 5000);
  std::set<size_t> sizes;
  for (size_t mi = 0; mi < markets.size(); ++mi) {
    const auto& ids = kb.catalog.market_intents(markets[mi].code);
    EXPECT_GE(ids.size(), 100u + 2);
    EXPECT_LE(ids.size(), 250u + 2);
    sizes.insert(ids.size());
    int cold = 0, launched = 0;
    for (int32_t i : ids) {
      const Intent& in = kb.catalog.at(i);
      EXPECT_EQ(in.intent_id.rfind(markets[mi].code + "-", 0), 0u);
      cold += kb.cold[i] ? 1 : 0;
      launched += in.valid_from == 1000 ? 1 : 0;
      EXPECT_EQ(in.valid_from == 5000, kb.cold[i]);
      EXPECT_TRUE(in.valid_from == 0 || in.valid_from == 1000 || in.valid_from == 5000) << in.valid_from;
      // Launched articles say they are new, and are featured above every original intent of their concept.
      EXPECT_EQ(in.valid_from > 0, in.title.rfind("New: ", 0) == 0) << in.title;
      if (in.valid_from > 0)
        for (int32_t j : kb.members[mi][static_cast<size_t>(kb.concept_of[i])])
          if (kb.catalog.at(j).valid_from == 0) EXPECT_GT(kb.weight[i], kb.weight[j]);
    }
    EXPECT_EQ(cold, 2);
    EXPECT_EQ(launched, 2);
    for (size_t c = 0; c < concepts().size(); ++c) EXPECT_FALSE(kb.members[mi][c].empty());
  }
  EXPECT_GT(sizes.size(), 1u);
  // The same concept is worded differently across markets.
  EXPECT_EQ(market_wording("{parcel} stuck at sorting centre", markets[0]), "Parcel stuck at sorting centre");
  EXPECT_EQ(market_wording("{parcel} stuck at sorting centre", markets[2]),
            "Package stuck at sorting centre");
}

TEST(Kb, FixedSizeOption) {
  WorldKb kb = build_kb(select_markets({"SG"}), 1, 200, 0, {}, 0);
  EXPECT_EQ(kb.catalog.size(), 200u);
}

}  // namespace
}  // namespace rgalign::sim
