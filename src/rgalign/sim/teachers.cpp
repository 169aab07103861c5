// Simulated teachers.
#include "rgalign/sim/teachers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rgalign/common/error.h"
#include "rgalign/sim/concepts.h"
#include "rgalign/sim/kb.h"
#include "rgalign/sim/observation.h"

namespace rgalign::sim {

namespace {

std::string spaced(std::string s) {
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string fmt_days(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", std::max(0.0, d));
  return std::string(buf) + (std::lround(d) == 1 ? " day" : " days");
}

bool knows(const TeacherProfile& p, RuleGroup g) {
  return std::find(p.expert.begin(), p.expert.end(), g) != p.expert.end() ||
         std::find(p.partial.begin(), p.partial.end(), g) != p.partial.end();
}

// Facts a teacher can state, each tagged with the rule group that makes it relevant.
std::vector<std::pair<RuleGroup, std::string>> evidence(const Observation& o) {
  std::vector<std::pair<RuleGroup, std::string>> e;
  if (o.order_status != "none" && present(o.days_in_status)) {
    std::string s =
        "the latest order has been in \"" + spaced(o.order_status) + "\" for " + fmt_days(o.days_in_status);
    if (present(o.days_past_eta) && o.days_past_eta > 0)
      s += ", " + fmt_days(o.days_past_eta) + " past its estimated delivery";
    e.emplace_back(o.order_status == "to_pay" ? RuleGroup::kPayments : RuleGroup::kLogistics, s);
  }
  if (o.logistics_event != "none" && o.logistics_event != "normal" && o.logistics_event != "delivered")
    e.emplace_back(RuleGroup::kLogistics, "the tracking shows \"" + spaced(o.logistics_event) + "\"");
  if (o.payment_status == "failed" || o.payment_status == "pending" ||
      o.payment_status == "deducted_unconfirmed")
    e.emplace_back(RuleGroup::kPayments, "the last payment is \"" + spaced(o.payment_status) + "\"");
  if (o.refund_status != "none")
    e.emplace_back(RuleGroup::kRefunds,
                   "a refund is \"" + spaced(o.refund_status) + "\"" +
                       (present(o.refund_age_days) ? " since " + fmt_days(o.refund_age_days) : ""));
  if (o.return_reason != "none")
    e.emplace_back(RuleGroup::kRefunds, "the buyer reported \"" + spaced(o.return_reason) + "\"");
  if (o.account_flag != "none")
    e.emplace_back(RuleGroup::kAccount, "the account shows \"" + spaced(o.account_flag) + "\"");
  if (o.voucher_status == "failed_to_apply" || o.voucher_status == "expiring_soon")
    e.emplace_back(RuleGroup::kPromotions, "a voucher is \"" + spaced(o.voucher_status) + "\"");
  if (o.coins_status == "expiring_soon") e.emplace_back(RuleGroup::kPromotions, "coins are about to expire");
  if (present(o.app_crashes_7d) && o.app_crashes_7d > 0)
    e.emplace_back(
        RuleGroup::kSellerApp,
        "the app crashed " + std::to_string(static_cast<int>(o.app_crashes_7d)) + " times this week");
  return e;
}

}  // namespace

std::string SimulatedTeacher::generate(const std::vector<FeatureValue>& features, const Schema& schema,
                                       const std::string& market, double temperature, Rng& rng) const {
  std::vector<MarketProfile> ms = select_markets({market});
  const MarketProfile& m = ms[0];
  Observation o = Observation::from_features(features, schema);
  const auto& cs = concepts();
  std::vector<double> logits;
  for (const auto& c : cs) logits.push_back(c.base_logit);
  for (RuleGroup g : p_.expert)
    apply_rules(g, o, m, [&](int c, double x) {
      logits[static_cast<size_t>(c)] += x * (1 + rng.normal(0, p_.expert_noise));
    });
  for (RuleGroup g : p_.partial)
    apply_rules(g, o, m, [&](int c, double x) {
      logits[static_cast<size_t>(c)] += x * std::max(0.0, 0.5 + rng.normal(0, p_.partial_noise));
    });
  // Sample with the Gumbel-max trick; temperature 0 takes the argmax.
  std::vector<std::pair<double, size_t>> ranked;
  for (size_t c = 0; c < logits.size(); ++c)
    ranked.emplace_back(temperature > 0 ? logits[c] / temperature + rng.gumbel() : logits[c], c);
  std::sort(ranked.rbegin(), ranked.rend());
  const std::string need = market_wording(cs[ranked[0].second].need_phrase, m);

  std::vector<std::string> facts;
  for (const auto& [group, text] : evidence(o))
    if (knows(p_, group)) facts.push_back(text);
  if (facts.size() > 2) facts.resize(2);
  std::string seen;
  for (size_t i = 0; i < facts.size(); ++i) seen += (i == 0 ? "" : " and ") + facts[i];

  // The need comes first and the evidence after it, as an answer to "what does the user want to ask?" would:
  // a latent query is cut to the tokens the student generates, and what is cut must be the least useful part.
  if (p_.verbose) {
    const std::string second = market_wording(cs[ranked[1].second].need_phrase, m);
    const std::string s = "It seems likely that the user would like to " + need +
                          ", although they might also want to " + second + ".";
    return s + (seen.empty() ? " Nothing unusual stands out in this user's recent activity."
                             : " Looking at this user's recent activity, " + seen + ".");
  }
  static const char* kOpeners[] = {"The user probably wants to ",
                                   "Likely need: ", "They most likely want to "};
  const std::string opener = kOpeners[rng.below(3)];
  return opener + need + (seen.empty() ? "." : ", since " + seen + ".");
}

std::vector<SimulatedTeacher> default_teachers() {
  using G = RuleGroup;
  return {
      SimulatedTeacher({"logistics-expert", {G::kLogistics, G::kOrders}, {G::kContext}, 0.1, 0.8, false}),
      SimulatedTeacher({"payments-refunds-expert",
                        {G::kPayments, G::kRefunds, G::kPromotions},
                        {G::kAccount},
                        0.1,
                        0.8,
                        false}),
      SimulatedTeacher({"generalist",
                        {},
                        {G::kLogistics, G::kOrders, G::kPayments, G::kRefunds, G::kAccount, G::kPromotions,
                         G::kSellerApp, G::kContext},
                        0.3,
                        0.6,
                        true}),
  };
}

}  // namespace rgalign::sim
