// The intent taxonomy of the simulated KB: concepts (what a user needs) over eight domains. Each market words
// every concept its own way; see kb.h.
#pragma once

#include <string>
#include <vector>

namespace rgalign::sim {

enum class Domain {
  kLogistics,
  kOrders,
  kPayments,
  kRefunds,
  kAccount,
  kPromotions,
  kSeller,
  kApp,
  kGeneral
};
const char* domain_name(Domain d);

struct Concept {
  std::string key;  // "speed_up_delivery"
  Domain domain;
  std::string need_phrase;  // completes "the user probably wants to ..."
  double base_logit;        // background popularity of the need
  // Title phrasings; {parcel} {refund} {voucher} {coins} {seller} {app} {agent} take the market's words.
  std::vector<std::string> titles;
  std::vector<std::string> descriptions;  // sentences for the intent description
};

const std::vector<Concept>& concepts();
// Index of the concept with this key; aborts on an unknown key (a programming error).
int concept_index(const std::string& key);

}  // namespace rgalign::sim
