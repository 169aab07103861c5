// Observation <-> feature values, and the world's schema. One table lists each field once.
#include "rgalign/sim/observation.h"

#include <algorithm>

namespace rgalign::sim {

namespace {

// One row per feature: its spec and where the value lives in an Observation.
struct Field {
  FeatureSpec spec;
  std::string Observation::*str = nullptr;
  double Observation::*num = nullptr;
  std::vector<std::string> Observation::*list = nullptr;
};

FeatureSpec spec(const char* name, FeatureType type, const char* render, std::vector<double> buckets = {},
                 int64_t hash_buckets = 0, int64_t max_len = 0) {
  FeatureSpec s;
  s.name = name;
  s.type = type;
  s.render = render;
  s.buckets = std::move(buckets);
  s.hash_buckets = hash_buckets;
  s.max_len = max_len;
  return s;
}

const std::vector<Field>& fields() {
  using O = Observation;
  constexpr auto C = FeatureType::kCategorical;
  constexpr auto N = FeatureType::kNumeric;
  constexpr auto M = FeatureType::kMultiCategorical;
  constexpr auto T = FeatureType::kText;
  const std::vector<double> days = {0.5, 1, 2, 3, 4, 5, 7, 10, 14, 21, 30};
  const std::vector<double> signed_days = {-5, -3, -2, -1, 0, 1, 2, 3, 5, 7, 10, 15};
  // clang-format off
  static const std::vector<Field> kFields = {
      {spec("entry_point", C, "Opened the chat from: {}"), &O::entry_point},
      {spec("device", C, "Device: {}"), &O::device},
      {spec("membership", C, "Membership tier: {}"), &O::membership},
      {spec("language", C, "Preferred language: {}"), &O::language},
      {spec("order_status", C, "Latest order status: {}"), &O::order_status},
      {spec("logistics_event", C, "Latest logistics event: {}"), &O::logistics_event},
      {spec("payment_status", C, "Latest payment status: {}"), &O::payment_status},
      {spec("payment_method", C, "Payment method of the latest order: {}"), &O::payment_method},
      {spec("refund_status", C, "Refund status: {}"), &O::refund_status},
      {spec("return_reason", C, "Return reason: {}"), &O::return_reason},
      {spec("account_flag", C, "Account notice: {}"), &O::account_flag},
      {spec("seller_type", C, "Seller type of the latest order: {}"), &O::seller_type},
      {spec("shipping_channel", C, "Shipping channel: {}"), &O::shipping_channel},
      {spec("voucher_status", C, "Voucher status: {}"), &O::voucher_status},
      {spec("coins_status", C, "Coins status: {}"), &O::coins_status},
      {spec("app_version_status", C, "App version: {}"), &O::app_version_status},
      {spec("last_chat_topic", C, "Topic of the previous chat: {}"), &O::last_chat_topic},
      {spec("day_of_week", C, "Day of week: {}"), &O::day_of_week},
      {spec("shop_id", C, "Shop of the latest order: {}", {}, 2000), &O::shop_id},
      {spec("product_category", C, "Category of the latest order: {}"), &O::product_category},
      {spec("days_in_status", N, "Days in the current order status: {}", days), nullptr, &O::days_in_status},
      {spec("days_since_order", N, "Days since the latest order: {}", days), nullptr, &O::days_since_order},
      {spec("days_past_eta", N, "Days past the estimated delivery date: {}", signed_days), nullptr,
       &O::days_past_eta},
      {spec("order_value", N, "Order value (USD): {}"), nullptr, &O::order_value},
      {spec("n_orders_30d", N, "Orders in the last 30 days: {}", {0, 1, 2, 3, 5, 8}), nullptr, &O::n_orders_30d},
      {spec("n_active_orders", N, "Active orders: {}", {0, 1, 2, 3, 5}), nullptr, &O::n_active_orders},
      {spec("refund_age_days", N, "Days since the refund started: {}", days), nullptr, &O::refund_age_days},
      {spec("payment_age_hours", N, "Hours since payment started: {}", {1, 3, 6, 12, 24, 48, 72}), nullptr,
       &O::payment_age_hours},
      {spec("n_failed_payments_7d", N, "Failed payments in the last 7 days: {}", {0, 1, 2, 3}), nullptr,
       &O::n_failed_payments_7d},
      {spec("voucher_days_to_expiry", N, "Days until a voucher expires: {}", {0, 1, 2, 3, 5, 7, 14}), nullptr,
       &O::voucher_days_to_expiry},
      {spec("coins_balance", N, "Coins balance: {}"), nullptr, &O::coins_balance},
      {spec("coins_days_to_expiry", N, "Days until coins expire: {}", {0, 1, 2, 3, 5, 7, 14}), nullptr,
       &O::coins_days_to_expiry},
      {spec("tenure_days", N, "Days since sign-up: {}"), nullptr, &O::tenure_days},
      {spec("hour", N, "Local hour: {}", {3, 6, 9, 12, 15, 18, 21}), nullptr, &O::hour},
      {spec("n_chats_30d", N, "Chats in the last 30 days: {}", {0, 1, 2, 3, 5, 8}), nullptr, &O::n_chats_30d},
      {spec("n_cancellations_90d", N, "Cancellations in the last 90 days: {}", {0, 1, 2, 3}), nullptr,
       &O::n_cancellations_90d},
      {spec("n_returns_90d", N, "Returns in the last 90 days: {}", {0, 1, 2, 3}), nullptr, &O::n_returns_90d},
      {spec("n_delivery_attempts", N, "Delivery attempts: {}", {0, 1, 2, 3}), nullptr, &O::n_delivery_attempts},
      {spec("app_crashes_7d", N, "App crashes in the last 7 days: {}", {0, 1, 2, 3, 5}), nullptr,
       &O::app_crashes_7d},
      {spec("cart_items", N, "Items in the cart: {}", {0, 1, 2, 3, 5, 10}), nullptr, &O::cart_items},
      {spec("recent_pages", M, "Recently viewed pages: {}", {}, 0, 8), nullptr, nullptr, &O::recent_pages},
      {spec("active_order_statuses", M, "Statuses of active orders: {}", {}, 0, 6), nullptr, nullptr,
       &O::active_order_statuses},
      {spec("owned_voucher_types", M, "Vouchers held: {}", {}, 0, 5), nullptr, nullptr, &O::owned_voucher_types},
      {spec("latest_product_title", T, "Latest product bought: {}", {}, 0, 16), &O::latest_product_title},
      {spec("last_search_query", T, "Last search: {}", {}, 0, 16), &O::last_search_query},
  };
  // clang-format on
  return kFields;
}

}  // namespace

bool Observation::has_page(const std::string& page) const {
  return std::find(recent_pages.begin(), recent_pages.end(), page) != recent_pages.end();
}

Schema world_schema() {
  Schema s;
  for (const auto& f : fields()) s.add(f.spec);
  return s;
}

std::vector<FeatureValue> Observation::to_features(const Schema& schema) const {
  std::vector<FeatureValue> out(schema.size());
  for (const auto& f : fields()) {
    int idx = schema.find(f.spec.name);
    if (idx < 0) continue;
    FeatureValue& v = out[static_cast<size_t>(idx)];
    if (f.str) {
      const std::string& s = this->*f.str;
      if (!s.empty()) v = FeatureValue::of_string(s);
    } else if (f.num) {
      double x = this->*f.num;
      if (present(x)) v = FeatureValue::of_number(x);
    } else if (f.list) {
      v = FeatureValue::of_list(this->*f.list);
    }
  }
  return out;
}

Observation Observation::from_features(const std::vector<FeatureValue>& values, const Schema& schema) {
  Observation o;
  for (const auto& f : fields()) {
    int idx = schema.find(f.spec.name);
    const FeatureValue* v = (idx >= 0 && static_cast<size_t>(idx) < values.size()) ? &values[idx] : nullptr;
    if (f.str) {
      o.*f.str = (v && v->kind == FeatureValue::Kind::kString)
                     ? v->str
                     : (f.spec.type == FeatureType::kText ? "" : "none");
    } else if (f.num) {
      if (v && v->kind == FeatureValue::Kind::kNumber) o.*f.num = v->num;
    } else if (f.list) {
      if (v && v->kind == FeatureValue::Kind::kList) o.*f.list = v->list;
    }
  }
  return o;
}

}  // namespace rgalign::sim
