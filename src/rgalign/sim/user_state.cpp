// User and order simulation.
#include "rgalign/sim/user_state.h"

#include <algorithm>
#include <cmath>

#include "rgalign/sim/concepts.h"

namespace rgalign::sim {

namespace {

const std::vector<std::string> kCategories = {"electronics",        "fashion", "beauty", "home",
                                              "groceries",          "toys",    "sports", "books",
                                              "mobile_accessories", "baby"};
const std::vector<std::vector<std::string>> kProducts = {
    {"wireless earbuds", "phone charger 20W", "bluetooth speaker", "smart watch", "power bank 10000mAh"},
    {"cotton t-shirt", "running shoes", "denim jeans", "summer dress", "leather wallet"},
    {"sunscreen SPF50", "lipstick set", "facial cleanser", "hair serum", "perfume 50ml"},
    {"storage box", "bed sheet set", "desk lamp", "non-stick pan", "wall clock"},
    {"instant noodles pack", "coffee beans 1kg", "rice 5kg", "cooking oil", "snack box"},
    {"building blocks", "remote control car", "plush bear", "puzzle 1000 pieces", "doll house"},
    {"yoga mat", "dumbbell set", "badminton racket", "cycling gloves", "water bottle"},
    {"novel paperback", "cookbook", "notebook set", "colouring book", "language textbook"},
    {"phone case", "screen protector", "usb-c cable", "car phone holder", "selfie stick"},
    {"diapers pack", "baby wipes", "feeding bottle", "baby stroller", "baby lotion"}};

bool is_active_status(const std::string& s) {
  return s == "to_pay" || s == "to_ship" || s == "to_receive" || s == "out_for_delivery" ||
         s == "delivered" || s == "return_requested" || s == "refund_processing";
}

Order simulate_order(double placed, const MarketProfile& m, Rng& rng) {
  Order o;
  o.placed = placed;
  size_t cat = static_cast<size_t>(rng.below(kCategories.size()));
  o.category = kCategories[cat];
  o.title = rng.choice(kProducts[cat]);
  o.shop_id = "shop" + std::to_string(rng.bernoulli(0.5) ? rng.below(200) : rng.below(20000));
  o.value = std::round(rng.lognormal(25.0, 0.9) * 100) / 100;
  double r = rng.uniform();
  o.seller_type = r < 0.2 ? "mall" : (r < 0.5 ? "preferred" : "regular");

  // Payment.
  double t = placed, paid = placed;
  bool cancelled = false;
  o.status.add(placed, "to_pay");
  if (rng.bernoulli(m.cod_share)) {
    o.method = "cod";
    o.payment.add(placed, "cod");
  } else {
    static const std::vector<std::string> kMethods = {"card", "wallet", "bank_transfer", "paylater"};
    o.method = kMethods[rng.categorical({0.35, 0.35, 0.15, 0.15})];
    double u = rng.uniform();
    if (u < 0.06) {
      o.payment.add(t, "failed");
      o.failed_payment_days.push_back(t);
      o.incident_days.push_back(t);
      if (rng.bernoulli(0.4)) {
        double t2 = t + rng.exponential(0.2);
        o.payment.add(t2, "failed");
        o.failed_payment_days.push_back(t2);
      }
      if (rng.bernoulli(0.65)) {
        paid = t + rng.lognormal(0.4, 0.8);
        o.payment.add(paid, "paid");
      } else {
        cancelled = true;
        o.status.add(t + rng.uniform(0.5, 2.0), "cancelled");
      }
    } else if (u < 0.095) {
      o.payment.add(t, "deducted_unconfirmed");
      o.incident_days.push_back(t + 0.05);
      paid = t + rng.lognormal(1.0, 0.6);
      o.payment.add(paid, "paid");
    } else if (u < 0.14 || o.method == "bank_transfer") {
      o.payment.add(t, "pending");
      double wait = rng.lognormal(0.2, 1.0);
      if (wait > 0.5) o.incident_days.push_back(t + 0.5);
      if (rng.bernoulli(0.08)) {
        cancelled = true;
        o.status.add(t + std::min(wait, 3.0), "cancelled");
      } else {
        paid = t + wait;
        o.payment.add(paid, "paid");
      }
    } else {
      paid = t + 0.005;
      o.payment.add(paid, "paid");
    }
  }
  if (cancelled) return o;

  // Shipping by the seller.
  r = rng.uniform();
  o.channel = rng.bernoulli(m.international_share)
                  ? "international"
                  : (r < 0.2 ? "express" : (r < 0.85 ? "standard" : "economy"));
  const double speed = o.channel == "international"
                           ? 1.8
                           : (o.channel == "express" ? 0.6 : (o.channel == "economy" ? 1.3 : 1.0));
  o.eta = paid + m.ship_sla_days + m.delivery_days * speed;
  o.status.add(paid, "to_ship");
  if (rng.bernoulli(0.04)) {
    o.status.add(paid + rng.uniform(0.05, 1.0), "cancelled");
    return o;
  }
  double ship_delay = rng.lognormal(0.6 * m.ship_sla_days, 0.5);
  if (rng.bernoulli(0.08)) {
    ship_delay = m.ship_sla_days * rng.uniform(1.5, 3.5);
    o.incident_days.push_back(paid + m.ship_sla_days + 0.5);
  }
  if (rng.bernoulli(0.03)) {
    double at = paid + ship_delay * 0.5;
    o.logistics.add(at, "address_issue");
    o.incident_days.push_back(at);
    ship_delay += 1.0;
  }
  if (ship_delay > 5 * m.ship_sla_days && rng.bernoulli(0.5)) {
    o.status.add(paid + 5 * m.ship_sla_days, "cancelled");  // unshipped orders are cancelled automatically
    return o;
  }
  double shipped = paid + ship_delay;
  o.status.add(shipped, "to_receive");
  o.logistics.add(shipped, "normal");

  // Transit and its incidents.
  double transit = rng.lognormal(m.delivery_days * speed, 0.3);
  if (rng.bernoulli(0.10)) {
    double at = shipped + transit * 0.4, hold = rng.lognormal(4.0, 0.5);
    o.logistics.add(at, "stuck_at_hub");
    o.logistics.add(at + hold, "normal");
    o.incident_days.push_back(at + 1.0);
    transit += hold;
  }
  if (o.channel == "international" && rng.bernoulli(0.4)) {
    double at = shipped + transit * 0.5, hold = rng.lognormal(3.0, 0.5);
    o.logistics.add(at, "customs_hold");
    o.logistics.add(at + hold, "normal");
    o.incident_days.push_back(at + 0.5);
    transit += hold;
  }
  double arrival = shipped + transit;
  if (arrival > o.eta + 0.5) o.incident_days.push_back(o.eta + rng.exponential(1.0));
  o.status.add(arrival - 0.3, "out_for_delivery");
  int failures = rng.bernoulli(0.07) ? (rng.bernoulli(0.3) ? 2 : 1) : 0;
  for (int k = 0; k < failures; ++k) {
    o.attempt_days.push_back(arrival - 0.2);
    o.logistics.add(arrival - 0.2, "failed_attempt");
    o.incident_days.push_back(arrival - 0.1);
    arrival += rng.lognormal(1.5, 0.4);
    o.status.add(arrival - 0.3, "out_for_delivery");
  }
  o.attempt_days.push_back(arrival);
  o.status.add(arrival, "delivered");
  o.logistics.add(arrival, "delivered");
  if (rng.bernoulli(0.025)) {
    o.logistics.add(arrival + 0.1, "delivered_not_received");
    o.incident_days.push_back(arrival + 0.2);
    o.status.add(arrival + 7.0, "completed");
    return o;
  }

  // Returns and refunds.
  if (rng.bernoulli(0.07)) {
    static const std::vector<std::string> kReasons = {"damaged", "wrong_item", "not_as_described",
                                                      "change_of_mind"};
    o.return_reason = kReasons[rng.categorical({0.3, 0.25, 0.25, 0.2})];
    o.return_reason_day = arrival + rng.uniform(0.1, 3.0);
    o.incident_days.push_back(o.return_reason_day + 0.05);
    double requested = o.return_reason_day + rng.uniform(0.5, 2.0);
    o.status.add(requested, "return_requested");
    o.refund_start = requested + rng.uniform(1.0, 4.0);
    o.status.add(o.refund_start, "refund_processing");
    o.refund.add(requested, "requested");
    o.refund.add(o.refund_start, "processing");
    if (rng.bernoulli(0.1)) {
      double at = o.refund_start + rng.uniform(1.0, 3.0);
      o.refund.add(at, "rejected");
      o.incident_days.push_back(at + 0.1);
      o.status.add(at, "completed");
    } else {
      double took = rng.lognormal(m.refund_days, 0.4) * (rng.bernoulli(0.15) ? 2.5 : 1.0);
      if (took > m.refund_days)
        o.incident_days.push_back(o.refund_start + m.refund_days + rng.exponential(1.0));
      o.refund.add(o.refund_start + took, "completed");
      o.status.add(o.refund_start + took, "completed");
    }
    return o;
  }
  o.status.add(arrival + rng.uniform(1.0, 6.0), "completed");
  return o;
}

}  // namespace

const std::string& Timeline::value_at(double t, double* since) const {
  static const std::string kNone;
  const std::pair<double, std::string>* last = nullptr;
  for (const auto& s : steps) {
    if (s.first <= t && (!last || s.first >= last->first)) last = &s;
  }
  if (!last) return kNone;
  if (since) *since = last->first;
  return last->second;
}

User simulate_user(int index, const std::vector<MarketProfile>& markets, double first_day, double last_day,
                   Rng& rng) {
  User u;
  u.index = index;
  std::vector<double> weights;
  for (const auto& m : markets) weights.push_back(m.weight);
  u.market = static_cast<int>(rng.categorical(weights));
  const MarketProfile& m = markets[static_cast<size_t>(u.market)];
  static const std::vector<std::string> kDevices = {"android", "ios", "web"};
  static const std::vector<std::string> kTiers = {"none", "silver", "gold", "platinum"};
  u.device = kDevices[rng.categorical({0.6, 0.3, 0.1})];
  u.membership = kTiers[rng.categorical({0.55, 0.25, 0.15, 0.05})];
  u.language = rng.bernoulli(0.75) ? m.language : "en";
  u.app_version_status = u.device != "web" && rng.bernoulli(0.15) ? "outdated" : "latest";
  u.signup_day = rng.bernoulli(0.08) ? rng.uniform(first_day, last_day) : -rng.lognormal(400.0, 1.0);
  u.activity = rng.lognormal(1.0, 0.6);
  u.taste.resize(concepts().size());
  for (double& x : u.taste) x = rng.normal(0.0, 0.35);
  int n_orders = rng.poisson(u.activity * (last_day - first_day) * 0.12);
  std::vector<double> placed;
  for (int k = 0; k < n_orders; ++k)
    placed.push_back(rng.uniform(std::max(first_day, u.signup_day), last_day));
  std::sort(placed.begin(), placed.end());
  for (double p : placed) u.orders.push_back(simulate_order(p, m, rng));
  return u;
}

std::vector<double> session_days(const User& u, double start_day, double end_day, Rng& rng) {
  std::vector<double> days;
  double from = std::max(start_day, u.signup_day);
  int n = rng.poisson(u.activity * (end_day - from) * 0.045);
  for (int k = 0; k < n; ++k) days.push_back(rng.uniform(from, end_day));
  for (const auto& o : u.orders)
    for (double t : o.incident_days)
      if (rng.bernoulli(0.5)) days.push_back(t + rng.exponential(0.4));
  days.erase(std::remove_if(days.begin(), days.end(), [&](double d) { return d < from || d >= end_day; }),
             days.end());
  std::sort(days.begin(), days.end());
  return days;
}

Observation observe(const User& u, const MarketProfile& m, double day, int64_t epoch,
                    const std::vector<double>& previous_days, const std::string& last_topic, Rng& rng) {
  Observation o;
  o.device = u.device;
  o.membership = u.membership;
  o.language = u.language;
  o.app_version_status = u.app_version_status;
  o.tenure_days = std::floor(day - u.signup_day);
  o.last_chat_topic = last_topic;
  // Shifted by a week so that early hours in western time zones stay non-negative.
  const double local_hours = day * 24.0 + m.tz_offset_hours + 7 * 24.0;
  o.hour = std::floor(std::fmod(local_hours, 24.0));
  static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  (void)epoch;  // the world starts on a Monday; weekday follows from local time
  o.day_of_week = kDays[static_cast<int>(std::floor(local_hours / 24.0)) % 7];

  // Orders.
  const Order* latest = nullptr;
  for (const auto& ord : u.orders) {
    if (ord.placed > day) break;
    latest = &ord;
    double since = 0;
    const std::string& st = ord.status.value_at(day, &since);
    if (day - ord.placed <= 30) o.n_orders_30d += 1;
    if (is_active_status(st)) {
      o.n_active_orders += 1;
      if (o.active_order_statuses.size() < 6) o.active_order_statuses.push_back(st);
    }
    if (day - ord.placed <= 90) {
      if (st == "cancelled") o.n_cancellations_90d += 1;
      if (!ord.return_reason.empty() && ord.return_reason_day <= day) o.n_returns_90d += 1;
    }
    for (double f : ord.failed_payment_days)
      if (f <= day && day - f <= 7) o.n_failed_payments_7d += 1;
  }
  o.order_status = o.logistics_event = o.payment_status = o.payment_method = o.refund_status =
      o.return_reason = o.seller_type = o.shipping_channel = o.shop_id = o.product_category = "none";
  if (latest) {
    double since = 0;
    o.order_status = latest->status.value_at(day, &since);
    o.days_in_status = std::round((day - since) * 10) / 10;
    o.days_since_order = std::round((day - latest->placed) * 10) / 10;
    o.order_value = latest->value;
    o.payment_method = latest->method;
    o.seller_type = latest->seller_type;
    o.shipping_channel = latest->channel.empty() ? "none" : latest->channel;
    o.shop_id = latest->shop_id;
    o.product_category = latest->category;
    o.latest_product_title = latest->title;
    const std::string& pay = latest->payment.value_at(day);
    o.payment_status = pay.empty() ? "none" : pay;
    if (o.order_status == "to_pay") o.payment_age_hours = std::round((day - latest->placed) * 24 * 10) / 10;
    if (o.order_status == "to_ship" || o.order_status == "to_receive" || o.order_status == "out_for_delivery")
      o.days_past_eta = std::round((day - latest->eta) * 10) / 10;
    const std::string& ev = latest->logistics.value_at(day);
    bool settled = o.order_status == "completed" && o.days_in_status > 3;
    o.logistics_event = ev.empty() || settled ? "none" : ev;
    for (double a : latest->attempt_days)
      if (a <= day) o.n_delivery_attempts += 1;
    if (present(latest->return_reason_day) && latest->return_reason_day <= day)
      o.return_reason = latest->return_reason;
    const std::string& rf = latest->refund.value_at(day);
    o.refund_status = rf.empty() ? "none" : rf;
    if (present(latest->refund_start) && latest->refund_start <= day)
      o.refund_age_days = std::round((day - latest->refund_start) * 10) / 10;
  }
  for (double p : previous_days)
    if (day - p <= 30) o.n_chats_30d += 1;

  // Session context: where the chat was opened and what the user looked at just before.
  const bool payment_issue = o.payment_status == "failed" || o.payment_status == "pending" ||
                             o.payment_status == "deducted_unconfirmed";
  const bool shipping =
      o.order_status == "to_ship" || o.order_status == "to_receive" || o.order_status == "out_for_delivery";
  const bool refunding = o.refund_status != "none" && o.refund_status != "completed";
  std::vector<std::string> entries = {"home",         "chat_icon",    "help_center", "product_page",
                                      "notification", "order_detail", "payment_page"};
  std::vector<double> ew = {
      0.3, 0.25, 0.12, 0.12, 0.06, shipping || refunding ? 0.45 : 0.08, payment_issue ? 0.4 : 0.02};
  o.entry_point = entries[rng.categorical(ew)];
  static const std::vector<std::string> kGeneralPages = {"home",       "product", "search",      "cart",
                                                         "flash_sale", "live",    "seller_shop", "checkout"};
  int n_pages = 1 + static_cast<int>(rng.below(8));
  for (int k = 0; k < n_pages; ++k) {
    double r = rng.uniform();
    if (shipping && r < 0.25)
      o.recent_pages.push_back("tracking");
    else if (payment_issue && r < 0.3)
      o.recent_pages.push_back("payment");
    else if (refunding && r < 0.3)
      o.recent_pages.push_back("refund");
    else if (r < 0.04)
      o.recent_pages.push_back("account_settings");
    else if (o.tenure_days < 30 && r < 0.08)
      o.recent_pages.push_back("seller_centre");
    else
      o.recent_pages.push_back(
          kGeneralPages[rng.categorical({0.3, 0.25, 0.15, 0.1, 0.06, 0.05, 0.05, 0.04})]);
  }

  // Account, promotions and app state of this session.
  static const std::vector<std::string> kFlags = {"none", "verification_needed", "password_reset",
                                                  "suspicious_login", "suspended"};
  o.account_flag = kFlags[rng.categorical({0.955, 0.014, 0.014, 0.009, 0.008})];
  static const std::vector<std::string> kVoucher = {"none", "active", "expiring_soon", "expired",
                                                    "failed_to_apply"};
  o.voucher_status = kVoucher[rng.categorical({0.35, 0.35, 0.15, 0.09, 0.06})];
  if (o.voucher_status == "active") o.voucher_days_to_expiry = 3 + static_cast<double>(rng.below(28));
  if (o.voucher_status == "expiring_soon") o.voucher_days_to_expiry = static_cast<double>(rng.below(4));
  static const std::vector<std::string> kVoucherTypes = {"shipping", "discount", "cashback", "seller",
                                                         "payment"};
  if (o.voucher_status != "none")
    for (const auto& vt : kVoucherTypes)
      if (rng.bernoulli(0.35)) o.owned_voucher_types.push_back(vt);
  o.coins_balance = std::floor(rng.lognormal(120.0, 1.3));
  o.coins_status = rng.bernoulli(0.12) ? "expiring_soon" : (rng.bernoulli(0.4) ? "earned" : "none");
  if (o.coins_status == "expiring_soon") o.coins_days_to_expiry = static_cast<double>(rng.below(6));
  o.app_crashes_7d = u.device == "web" ? 0 : rng.poisson(u.app_version_status == "outdated" ? 0.6 : 0.06);
  o.cart_items = rng.poisson(2.0);

  // The last search: usually a product, sometimes words about the current problem.
  double r = rng.uniform();
  if (r < 0.45) {
    size_t cat = static_cast<size_t>(rng.below(kCategories.size()));
    o.last_search_query = rng.choice(kProducts[cat]);
  } else if (r < 0.6) {
    if (shipping)
      o.last_search_query = rng.bernoulli(0.5) ? "track order" : "delivery time";
    else if (refunding)
      o.last_search_query = "refund";
    else if (payment_issue)
      o.last_search_query = "payment";
    else
      o.last_search_query = "voucher";
  }
  return o;
}

}  // namespace rgalign::sim
