// Users and their orders over time: order lifecycles (payment, shipping, transit incidents, delivery, returns
// and refunds) and what the platform observes about a user at any moment. Times are in days from the world's
// start.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rgalign/sim/markets.h"
#include "rgalign/sim/observation.h"
#include "rgalign/sim/rng.h"

namespace rgalign::sim {

// A timeline of (start_day, value), ascending; value_at(t) is the last value started at or before t.
struct Timeline {
  std::vector<std::pair<double, std::string>> steps;
  void add(double t, std::string value) { steps.emplace_back(t, std::move(value)); }
  // Empty string when nothing had started by t; `since` receives the start of the current value.
  const std::string& value_at(double t, double* since = nullptr) const;
};

struct Order {
  double placed = 0;
  double eta = kMissing;  // estimated delivery day promised at payment
  double value = 0;
  std::string method, channel, seller_type, category, title, shop_id;
  Timeline status, payment, logistics, refund;
  double return_reason_day = kMissing;  // when the buyer reported a problem
  std::string return_reason;
  double refund_start = kMissing;
  std::vector<double> failed_payment_days, attempt_days;
  std::vector<double> incident_days;  // moments that may send the user to the chatbot
};

struct User {
  int index = 0;
  int market = 0;  // index into the world's market list
  std::string device, membership, language, app_version_status;
  double signup_day = 0;      // may be negative: signed up before the world started
  double activity = 1;        // relative rate of orders and visits
  std::vector<double> taste;  // hidden per-concept preference, never observed
  std::vector<Order> orders;  // by placement time
};

// Draws a user and their orders placed in [first_day, last_day).
User simulate_user(int index, const std::vector<MarketProfile>& markets, double first_day, double last_day,
                   Rng& rng);

// Sorted chatbot-opening times in [start_day, end_day): a background rate plus visits triggered by incidents.
std::vector<double> session_days(const User& u, double start_day, double end_day, Rng& rng);

// What is observable about the user at `day`. `previous_days` are earlier sessions (for n_chats_30d) and
// `last_topic` the domain of the previous chat ("none" if none). `epoch` is the world start in unix seconds.
Observation observe(const User& u, const MarketProfile& m, double day, int64_t epoch,
                    const std::vector<double>& previous_days, const std::string& last_topic, Rng& rng);

}  // namespace rgalign::sim
