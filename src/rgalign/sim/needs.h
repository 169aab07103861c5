// The hidden need: interpretable rules over a request's observable features (with thresholds relative to the
// market's delivery and refund times) give each concept a logit; the same rules hold in every market. The
// simulator adds a hidden per-user taste and samples; teachers apply a noisy subset of the same rules.
#pragma once

#include <functional>
#include <vector>

#include "rgalign/sim/markets.h"
#include "rgalign/sim/observation.h"

namespace rgalign::sim {

enum class RuleGroup {
  kLogistics,
  kOrders,
  kPayments,
  kRefunds,
  kAccount,
  kPromotions,
  kSellerApp,
  kContext
};
constexpr RuleGroup kAllRuleGroups[] = {RuleGroup::kLogistics, RuleGroup::kOrders,  RuleGroup::kPayments,
                                        RuleGroup::kRefunds,   RuleGroup::kAccount, RuleGroup::kPromotions,
                                        RuleGroup::kSellerApp, RuleGroup::kContext};

// add(concept_index, amount) is called once per firing rule.
using AddLogit = std::function<void(int, double)>;
void apply_rules(RuleGroup group, const Observation& o, const MarketProfile& m, const AddLogit& add);

// Base logits plus every rule group: [n_concepts].
std::vector<double> need_logits(const Observation& o, const MarketProfile& m);

// Softmax in place; returns the vector for chaining.
std::vector<double>& softmax_inplace(std::vector<double>& logits);

}  // namespace rgalign::sim
