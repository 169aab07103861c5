// The need rules. Each rule reads only Observation fields, i.e. the request's features.
#include "rgalign/sim/needs.h"

#include <algorithm>
#include <cmath>

#include "rgalign/sim/concepts.h"

namespace rgalign::sim {

namespace {

double clamp01(double x) {
  return std::max(0.0, std::min(1.0, x));
}
double val(double x, double fallback = 0.0) {
  return present(x) ? x : fallback;
}
bool in_transit(const Observation& o) {
  return o.order_status == "to_receive" || o.order_status == "out_for_delivery";
}

void logistics(const Observation& o, const MarketProfile& m, const AddLogit& add) {
  static const int where = concept_index("where_is_parcel"), speed = concept_index("speed_up_delivery"),
                   stuck = concept_index("parcel_stuck_hub"), customs = concept_index("customs_hold"),
                   failed = concept_index("failed_delivery_attempt"),
                   resched = concept_index("reschedule_delivery"),
                   dnr = concept_index("delivered_not_received"),
                   address = concept_index("change_delivery_address"), fee = concept_index("delivery_fee"),
                   options = concept_index("shipping_options");
  const double late = val(o.days_past_eta, -99.0);
  if (in_transit(o)) {
    add(where, 1.6 + 0.6 * clamp01(val(o.days_in_status) / m.delivery_days));
    if (late > 0) {
      // Lateness counts relative to the market's delivery time: 3 days late is a lot in SG, little in BR.
      double rel = late / m.delivery_days;
      add(speed, 1.0 + 2.2 * clamp01(rel));
      if (o.logistics_event == "stuck_at_hub") add(speed, 1.5);
    }
    if (o.logistics_event == "stuck_at_hub")
      add(stuck, 2.0 + 1.0 * clamp01(val(o.days_in_status) / (2 * m.delivery_days)));
  }
  if (o.logistics_event == "customs_hold") {
    add(customs, 3.2);
    add(where, 0.6);
  }
  if (o.logistics_event == "failed_attempt") {
    add(failed, 2.8);
    add(resched, 1.4 + (val(o.n_delivery_attempts) >= 2 ? 1.2 : 0.0));
  }
  if (o.logistics_event == "delivered_not_received") add(dnr, 3.8);
  if (o.logistics_event == "address_issue") add(address, 3.0);
  if (o.order_status == "to_ship" && val(o.days_in_status, 99) < 1.0) add(address, 0.8);
  if (o.shipping_channel == "international" && in_transit(o)) add(customs, 0.7);
  if (o.has_page("cart") && o.order_status == "none") add(fee, 1.0);
  if (o.has_page("checkout")) {
    add(fee, 0.9);
    add(options, 0.9);
  }
  if (o.has_page("tracking")) add(where, 0.8);
}

void orders(const Observation& o, const MarketProfile& m, const AddLogit& add) {
  static const int cancel = concept_index("cancel_order"), not_shipped = concept_index("order_not_shipped"),
                   modify = concept_index("modify_order"), meaning = concept_index("order_status_meaning"),
                   missing = concept_index("missing_items"), confirm = concept_index("confirm_receipt"),
                   history = concept_index("order_history");
  const double dis = val(o.days_in_status);
  if (o.order_status == "to_ship") {
    if (dis > m.ship_sla_days) {
      add(not_shipped, 1.6 + 1.5 * clamp01((dis - m.ship_sla_days) / m.ship_sla_days));
      add(cancel, 0.9);
    } else {
      add(cancel, 0.9);
      add(modify, 0.9);
    }
  }
  if (o.order_status == "to_pay") add(cancel, 0.7);
  if (o.order_status == "delivered") {
    add(confirm, 1.0 + 0.8 * clamp01(dis / 3.0));
    add(missing, 0.6);
  }
  if (val(o.n_active_orders) >= 3) add(meaning, 1.0);
  if (o.order_status == "none" && val(o.n_orders_30d) == 0) add(history, 0.6);
  if (val(o.n_cancellations_90d) >= 2) add(cancel, 0.5);
}

void payments(const Observation& o, const MarketProfile&, const AddLogit& add) {
  static const int failed = concept_index("payment_failed"),
                   deducted = concept_index("deducted_not_confirmed"),
                   pending = concept_index("pending_payment"), cod = concept_index("cod_payment"),
                   methods = concept_index("payment_methods"),
                   paylater = concept_index("pay_later_installments"),
                   invoice = concept_index("invoice_receipt");
  if (o.payment_status == "failed") {
    add(failed, 2.8 + 0.6 * std::min(2.0, val(o.n_failed_payments_7d)));
    add(methods, 1.2);
  }
  if (o.payment_status == "deducted_unconfirmed")
    add(deducted, 3.0 + 1.0 * clamp01(val(o.payment_age_hours) / 24.0));
  if (o.payment_status == "pending") add(pending, 2.2 + 0.8 * clamp01(val(o.payment_age_hours) / 12.0));
  if (o.payment_method == "cod" && (o.order_status == "to_ship" || in_transit(o))) add(cod, 1.3);
  if (o.payment_method == "paylater") add(paylater, 1.2);
  if (o.has_page("payment")) add(methods, 0.8);
  if (val(o.order_value) > 200 && o.order_status == "completed") add(invoice, 1.0);
}

void refunds(const Observation& o, const MarketProfile& m, const AddLogit& add) {
  static const int ret = concept_index("request_return"), status = concept_index("refund_status"),
                   delayed = concept_index("refund_delayed"), shipping = concept_index("return_shipping"),
                   damaged = concept_index("damaged_item"), wrong = concept_index("wrong_item"),
                   rejected = concept_index("refund_rejected");
  const double dis = val(o.days_in_status);
  const bool recent = (o.order_status == "delivered" || o.order_status == "completed") && dis < 7;
  if (recent && o.return_reason == "damaged") {
    add(damaged, 2.6);
    add(ret, 1.4);
  }
  if (recent && o.return_reason == "wrong_item") {
    add(wrong, 2.6);
    add(ret, 1.4);
  }
  if (recent && o.return_reason == "not_as_described") add(ret, 2.2);
  if (recent && o.return_reason == "change_of_mind") add(ret, 1.6);
  if (o.order_status == "return_requested") {
    add(shipping, 2.4);
    add(status, 0.8);
  }
  if (o.refund_status == "processing" || o.refund_status == "approved") {
    double age = val(o.refund_age_days);
    add(status, 2.0);
    if (age > m.refund_days) add(delayed, 1.8 + 1.5 * clamp01((age - m.refund_days) / m.refund_days));
  }
  if (o.refund_status == "rejected") add(rejected, 3.4);
  if (o.has_page("refund")) add(status, 0.8);
}

void account(const Observation& o, const MarketProfile&, const AddLogit& add) {
  static const int suspended = concept_index("account_suspended"), verify = concept_index("verify_account"),
                   reset = concept_index("reset_password"), suspicious = concept_index("suspicious_login"),
                   contact = concept_index("change_phone_email"), login = concept_index("login_problem");
  if (o.account_flag == "suspended") add(suspended, 4.5);
  if (o.account_flag == "verification_needed") add(verify, 3.8);
  if (o.account_flag == "password_reset") {
    add(reset, 3.4);
    add(login, 1.2);
  }
  if (o.account_flag == "suspicious_login") {
    add(suspicious, 3.8);
    add(reset, 1.0);
  }
  if (o.has_page("account_settings")) add(contact, 1.5);
}

void promotions(const Observation& o, const MarketProfile&, const AddLogit& add) {
  static const int not_applied = concept_index("voucher_not_applied"),
                   expiring = concept_index("voucher_expiring"), coins_exp = concept_index("coins_expiring"),
                   use_coins = concept_index("how_to_use_coins"), flash = concept_index("flash_sale_rules");
  if (o.voucher_status == "failed_to_apply") add(not_applied, 3.0 + (o.has_page("checkout") ? 0.8 : 0.0));
  if (o.voucher_status == "expiring_soon" && val(o.voucher_days_to_expiry, 99) <= 2) add(expiring, 2.4);
  if (o.coins_status == "expiring_soon")
    add(coins_exp, 1.4 + 1.2 * clamp01((3 - val(o.coins_days_to_expiry, 3)) / 3.0));
  if (val(o.coins_balance) > 800) add(use_coins, 1.4);
  if (o.has_page("flash_sale")) add(flash, 1.6);
}

void seller_and_app(const Observation& o, const MarketProfile&, const AddLogit& add) {
  static const int contact = concept_index("contact_seller"), complaint = concept_index("seller_complaint"),
                   become = concept_index("become_seller"), fake = concept_index("counterfeit_report"),
                   crash = concept_index("app_crashing"), update = concept_index("update_app"),
                   notif = concept_index("notification_settings");
  if (o.entry_point == "product_page") add(contact, 1.3);
  if (o.has_page("seller_shop")) add(contact, 0.8);
  if (o.seller_type == "regular" && o.return_reason == "not_as_described") {
    add(fake, 1.8);
    add(complaint, 1.2);
  }
  if (o.order_status == "to_ship" && val(o.days_in_status) > 2 * 3.0) add(complaint, 1.0);
  if (val(o.app_crashes_7d) > 0) add(crash, 1.6 + 0.5 * std::min(3.0, val(o.app_crashes_7d)));
  if (o.app_version_status == "outdated") {
    add(update, 1.2);
    if (val(o.app_crashes_7d) > 0) add(update, 1.5);  // an interaction: crashes on an old version
  }
  if (o.entry_point == "notification") add(notif, 1.0);
  if (val(o.tenure_days) < 30 && o.has_page("seller_centre")) add(become, 2.5);
}

void context(const Observation& o, const MarketProfile&, const AddLogit& add) {
  static const int agent = concept_index("talk_to_agent"), member = concept_index("membership_benefits"),
                   guide = concept_index("shopping_guide");
  if (val(o.n_chats_30d) >= 3) add(agent, 1.6);
  if (o.membership == "platinum" || o.membership == "gold") add(member, 0.8);
  if (val(o.tenure_days) < 30) add(guide, 1.6);
  if (o.entry_point == "help_center") add(agent, 0.6);
}

}  // namespace

void apply_rules(RuleGroup group, const Observation& o, const MarketProfile& m, const AddLogit& add_raw) {
  // One knob for how strongly state drives needs relative to the background; it sets how far a model that
  // reads the features can get above popularity.
  constexpr double kRuleStrength = 1.5;
  const AddLogit add = [&add_raw](int c, double x) { add_raw(c, kRuleStrength * x); };
  switch (group) {
    case RuleGroup::kLogistics: return logistics(o, m, add);
    case RuleGroup::kOrders: return orders(o, m, add);
    case RuleGroup::kPayments: return payments(o, m, add);
    case RuleGroup::kRefunds: return refunds(o, m, add);
    case RuleGroup::kAccount: return account(o, m, add);
    case RuleGroup::kPromotions: return promotions(o, m, add);
    case RuleGroup::kSellerApp: return seller_and_app(o, m, add);
    case RuleGroup::kContext: return context(o, m, add);
  }
}

std::vector<double> need_logits(const Observation& o, const MarketProfile& m) {
  std::vector<double> logits;
  logits.reserve(concepts().size());
  for (const auto& c : concepts()) logits.push_back(c.base_logit);
  AddLogit add = [&](int c, double x) { logits[static_cast<size_t>(c)] += x; };
  for (RuleGroup g : kAllRuleGroups) apply_rules(g, o, m, add);
  return logits;
}

std::vector<double>& softmax_inplace(std::vector<double>& logits) {
  double mx = *std::max_element(logits.begin(), logits.end()), z = 0;
  for (double& x : logits) z += (x = std::exp(x - mx));
  for (double& x : logits) x /= z;
  return logits;
}

}  // namespace rgalign::sim
