// What the platform can see about a user when the chatbot opens: the simulated world's features, one field
// per schema feature (feature_schema.h). The world writes it to requests; need rules and teachers read it
// back from a request's features, so they see exactly what a model sees.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "rgalign/data/feature_value.h"
#include "rgalign/data/schema.h"

namespace rgalign::sim {

constexpr double kMissing = NAN;
inline bool present(double x) {
  return !std::isnan(x);
}

struct Observation {
  // categorical ("none" where nothing applies)
  std::string entry_point, device, membership, language, order_status, logistics_event, payment_status,
      payment_method, refund_status, return_reason, account_flag, seller_type, shipping_channel,
      voucher_status, coins_status, app_version_status, last_chat_topic, day_of_week, shop_id,
      product_category;
  // numeric (kMissing where not applicable)
  double days_in_status = kMissing, days_since_order = kMissing, days_past_eta = kMissing,
         order_value = kMissing, n_orders_30d = 0, n_active_orders = 0, refund_age_days = kMissing,
         payment_age_hours = kMissing, n_failed_payments_7d = 0, voucher_days_to_expiry = kMissing,
         coins_balance = 0, coins_days_to_expiry = kMissing, tenure_days = 0, hour = 0, n_chats_30d = 0,
         n_cancellations_90d = 0, n_returns_90d = 0, n_delivery_attempts = 0, app_crashes_7d = 0,
         cart_items = 0;
  // multi_categorical
  std::vector<std::string> recent_pages, active_order_statuses, owned_voucher_types;
  // text
  std::string latest_product_title, last_search_query;

  bool has_page(const std::string& page) const;

  // Feature values in `schema` order (features the schema lacks are dropped; absent ones are missing).
  std::vector<FeatureValue> to_features(const Schema& schema) const;
  // The inverse: fields the schema lacks or the request leaves missing get their "nothing applies" value.
  static Observation from_features(const std::vector<FeatureValue>& values, const Schema& schema);
};

// The world's schema.yaml: every Observation field with its type, encoding hints and prompt template.
Schema world_schema();

}  // namespace rgalign::sim
