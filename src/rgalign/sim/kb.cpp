// KB construction.
#include "rgalign/sim/kb.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "rgalign/common/hash.h"
#include "rgalign/sim/concepts.h"
#include "rgalign/sim/rng.h"

namespace rgalign::sim {

namespace {

// Suffixes that tell apart several intents of a market phrased from the same title.
const std::vector<std::string> kQualifiers = {"",       " - quick answer",    " - step by step",
                                              " (FAQ)", " - what to do next", " - common questions"};

std::string market_sentence(const Concept& c, const MarketProfile& m) {
  char buf[200];
  switch (c.domain) {
    case Domain::kLogistics:
      std::snprintf(buf, sizeof buf, "In %s, standard delivery usually takes about %.0f days after shipping.",
                    m.name.c_str(), m.delivery_days);
      break;
    case Domain::kOrders:
      std::snprintf(buf, sizeof buf, "Sellers in %s must ship within %.0f days of payment.", m.name.c_str(),
                    std::ceil(m.ship_sla_days));
      break;
    case Domain::kRefunds:
      std::snprintf(buf, sizeof buf, "Refunds in %s are normally completed within %.0f days.", m.name.c_str(),
                    m.refund_days);
      break;
    default: std::snprintf(buf, sizeof buf, "This article applies to users in %s.", m.name.c_str());
  }
  return buf;
}

}  // namespace

std::string market_wording(const std::string& text, const MarketProfile& m) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      size_t close = text.find('}', i);
      std::string key = text.substr(i + 1, close - i - 1);
      auto it = m.words.find(key);
      std::string word = it == m.words.end() ? key : it->second;
      if (i == 0 && !word.empty())
        word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
      out += word;
      i = close + 1;
    } else {
      out += text[i++];
    }
  }
  return out;
}

WorldKb build_kb(const std::vector<MarketProfile>& markets, uint64_t seed, int intents_per_market,
                 int new_per_launch, const std::vector<int64_t>& launches, int64_t cold_from) {
  const auto& cs = concepts();
  const int n_concepts = static_cast<int>(cs.size());
  WorldKb kb;
  kb.members.assign(markets.size(), std::vector<std::vector<int32_t>>(cs.size()));
  for (size_t mi = 0; mi < markets.size(); ++mi) {
    const MarketProfile& m = markets[mi];
    Rng rng(mix64(seed, fnv1a64("kb:" + m.code)));
    int n_total = intents_per_market > 0 ? std::max(intents_per_market, n_concepts)
                                         : 110 + static_cast<int>(rng.below(121));
    // Every concept gets one intent; the rest go preferentially to popular concepts.
    std::vector<int> per_concept(cs.size(), 1);
    std::vector<double> pop;
    for (const auto& c : cs) pop.push_back(std::exp(c.base_logit) + 0.15);
    for (int k = n_concepts; k < n_total; ++k) ++per_concept[rng.categorical(pop)];

    struct Pending {
      int concept;
      std::string title, description;
      double weight;
      int64_t valid_from;
    };
    std::vector<Pending> pending;
    std::vector<double> top(cs.size(), 0.0);  // [n_concepts] largest weight among the launch-day intents
    for (int c = 0; c < n_concepts; ++c) {
      std::vector<std::string> titles = cs[c].titles;
      rng.shuffle(titles);
      for (int j = 0; j < per_concept[c]; ++j) {
        const std::string& base = titles[static_cast<size_t>(j) % titles.size()];
        std::string qual = kQualifiers[(static_cast<size_t>(j) / titles.size()) % kQualifiers.size()];
        std::string desc = cs[c].descriptions[static_cast<size_t>(j) % cs[c].descriptions.size()] + " " +
                           market_sentence(cs[c], m);
        double w = std::pow(1.0 / (j + 1), 1.2) * rng.lognormal(1.0, 0.3);
        top[static_cast<size_t>(c)] = std::max(top[static_cast<size_t>(c)], w);
        pending.push_back({c, market_wording(base, m) + qual, market_wording(desc, m), w, 0});
      }
    }
    // The KB grows: at each launch, new articles join popular concepts. New articles are featured
    // prominently, so each takes a large share of its concept's clicks from its launch on.
    std::map<std::string, int> title_uses;
    for (int64_t launch : launches) {
      for (int k = 0; k < new_per_launch; ++k) {
        int c = static_cast<int>(rng.categorical(pop));
        std::string title = "New: " + market_wording(cs[c].titles[rng.below(cs[c].titles.size())], m);
        int uses = ++title_uses[title];
        if (uses > 1) title += " (" + std::to_string(uses) + ")";
        pending.push_back(
            {c, title,
             market_wording("Updated guide. " + cs[c].descriptions[0] + " " + market_sentence(cs[c], m), m),
             1.5 * top[static_cast<size_t>(c)], launch});
      }
    }
    // Ids are a random permutation, so that the number says nothing about the concept.
    std::vector<int> numbers(pending.size());
    for (size_t i = 0; i < numbers.size(); ++i) numbers[i] = static_cast<int>(i) + 1;
    rng.shuffle(numbers);
    std::vector<size_t> order(pending.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return numbers[a] < numbers[b]; });
    for (size_t i : order) {
      Intent in;
      char id[32];
      std::snprintf(id, sizeof id, "%s-%04d", m.code.c_str(), numbers[i]);
      in.intent_id = id;
      in.market = m.code;
      in.title = pending[i].title;
      in.description = pending[i].description;
      in.language = "en";
      in.valid_from = pending[i].valid_from;
      auto idx = static_cast<int32_t>(kb.catalog.size());
      kb.catalog.add(std::move(in));
      kb.concept_of.push_back(pending[i].concept);
      kb.weight.push_back(pending[i].weight);
      kb.cold.push_back(pending[i].valid_from > 0 && pending[i].valid_from >= cold_from);
      kb.members[mi][static_cast<size_t>(pending[i].concept)].push_back(idx);
    }
  }
  return kb;
}

}  // namespace rgalign::sim
