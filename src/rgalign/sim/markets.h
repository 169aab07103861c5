// The simulated markets: each with its own delivery times, service levels, payment mix and KB wording.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace rgalign::sim {

struct MarketProfile {
  std::string code;                  // "SG"
  std::string name;                  // "Singapore"
  std::string language;              // users' usual language code
  double weight = 1.0;               // share of users
  double delivery_days = 3;          // promised in-transit days (median)
  double ship_sla_days = 2;          // days a seller has to ship
  double refund_days = 5;            // days a refund normally takes
  double cod_share = 0.1;            // orders paid cash on delivery
  double international_share = 0.1;  // cross-border orders (customs)
  int tz_offset_hours = 8;
  // Market wording: placeholder -> word ("parcel" -> "package"), applied to KB text.
  std::map<std::string, std::string> words;
};

// The 8 default markets, in a fixed order.
const std::vector<MarketProfile>& default_markets();
// Profiles for the codes asked for; throws InputError naming an unknown code.
std::vector<MarketProfile> select_markets(const std::vector<std::string>& codes);

}  // namespace rgalign::sim
