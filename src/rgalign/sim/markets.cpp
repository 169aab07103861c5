// Market profiles. Figures are plausible orders of magnitude for South-East Asian / Latin American
// marketplaces, chosen so that "late" means different absolute days in different markets.
#include "rgalign/sim/markets.h"

#include "rgalign/common/error.h"

namespace rgalign::sim {

const std::vector<MarketProfile>& default_markets() {
  // clang-format off
  static const std::vector<MarketProfile> kMarkets = {
      {"SG", "Singapore", "en", 0.8, 2.0, 1.5, 4.0, 0.02, 0.25, 8,
       {{"parcel", "parcel"}, {"refund", "refund"}, {"voucher", "voucher"}, {"coins", "coins"},
        {"seller", "seller"}, {"app", "app"}, {"agent", "agent"}}},
      {"MY", "Malaysia", "ms", 1.0, 4.0, 2.0, 5.0, 0.15, 0.20, 8,
       {{"parcel", "parcel"}, {"refund", "refund"}, {"voucher", "voucher code"}, {"coins", "coins"},
        {"seller", "shop"}, {"app", "app"}, {"agent", "live agent"}}},
      {"PH", "Philippines", "tl", 1.2, 6.0, 3.0, 7.0, 0.45, 0.15, 8,
       {{"parcel", "package"}, {"refund", "refund"}, {"voucher", "voucher"}, {"coins", "coins"},
        {"seller", "seller"}, {"app", "app"}, {"agent", "customer service rep"}}},
      {"TH", "Thailand", "th", 1.1, 3.0, 2.0, 6.0, 0.35, 0.10, 7,
       {{"parcel", "package"}, {"refund", "money back"}, {"voucher", "coupon"}, {"coins", "coins"},
        {"seller", "shop"}, {"app", "application"}, {"agent", "staff member"}}},
      {"VN", "Vietnam", "vi", 1.1, 4.0, 2.0, 7.0, 0.40, 0.10, 7,
       {{"parcel", "order package"}, {"refund", "refund"}, {"voucher", "voucher"}, {"coins", "xu coins"},
        {"seller", "shop"}, {"app", "app"}, {"agent", "support staff"}}},
      {"ID", "Indonesia", "id", 1.5, 5.0, 2.0, 8.0, 0.30, 0.08, 7,
       {{"parcel", "package"}, {"refund", "refund"}, {"voucher", "promo voucher"}, {"coins", "coins"},
        {"seller", "seller"}, {"app", "app"}, {"agent", "agent"}}},
      {"BR", "Brazil", "pt", 1.0, 9.0, 3.0, 10.0, 0.00, 0.12, -3,
       {{"parcel", "shipment"}, {"refund", "reimbursement"}, {"voucher", "coupon"}, {"coins", "coins"},
        {"seller", "seller"}, {"app", "app"}, {"agent", "attendant"}}},
      {"TW", "Taiwan", "zh", 0.8, 2.5, 1.5, 5.0, 0.05, 0.20, 8,
       {{"parcel", "parcel"}, {"refund", "refund"}, {"voucher", "discount code"}, {"coins", "shopee coins"},
        {"seller", "store"}, {"app", "app"}, {"agent", "customer service"}}},
  };
  // clang-format on
  return kMarkets;
}

std::vector<MarketProfile> select_markets(const std::vector<std::string>& codes) {
  std::vector<MarketProfile> out;
  for (const auto& code : codes) {
    bool found = false;
    for (const auto& m : default_markets())
      if (m.code == code) {
        out.push_back(m);
        found = true;
      }
    if (!found)
      throw InputError("--markets", "unknown market \"" + code + "\"", "known: SG,MY,PH,TH,VN,ID,BR,TW");
  }
  if (out.empty()) throw InputError("--markets", "no market given");
  return out;
}

}  // namespace rgalign::sim
