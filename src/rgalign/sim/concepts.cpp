// The concept table. Base logits set the background mix of needs when no state explains the visit.
#include "rgalign/sim/concepts.h"

#include <unordered_map>

#include "rgalign/common/error.h"

namespace rgalign::sim {

const char* domain_name(Domain d) {
  switch (d) {
    case Domain::kLogistics: return "logistics";
    case Domain::kOrders: return "orders";
    case Domain::kPayments: return "payments";
    case Domain::kRefunds: return "refunds_returns";
    case Domain::kAccount: return "account";
    case Domain::kPromotions: return "vouchers_promotions";
    case Domain::kSeller: return "seller";
    case Domain::kApp: return "app_issues";
    case Domain::kGeneral: return "general";
  }
  return "?";
}

const std::vector<Concept>& concepts() {
  using D = Domain;
  // One concept per block, fields in declaration order.
  // clang-format off
  static const std::vector<Concept> kConcepts = {
      // Logistics
      {"where_is_parcel", D::kLogistics, "track where the {parcel} is", 0.6,
       {"Where is my {parcel}?", "Track my order", "Check {parcel} delivery status", "My tracking is not updating",
        "When will my {parcel} arrive?", "How to read tracking information"},
       {"Shows how to follow a {parcel} from the warehouse to your door.", "Explains each tracking status."}},
      {"speed_up_delivery", D::kLogistics, "speed up the delivery of a late {parcel}", -0.6,
       {"Speed up {parcel} delivery", "My {parcel} is taking too long", "Order is late, can it arrive faster?",
        "Urge the courier to deliver", "Delivery is past the estimated date"},
       {"What to do when a {parcel} is past its estimated delivery date.", "How we chase the courier for you."}},
      {"parcel_stuck_hub", D::kLogistics, "find out why the {parcel} is stuck at a sorting hub", -1.2,
       {"{parcel} stuck at sorting centre", "Tracking shows no movement for days", "Why is my order stuck in transit?",
        "{parcel} held at the hub"},
       {"Why a {parcel} can stay at a sorting hub and how long it usually takes.", "When to report a stuck {parcel}."}},
      {"customs_hold", D::kLogistics, "clear a {parcel} held at customs", -1.6,
       {"{parcel} held at customs", "Customs clearance for overseas orders", "Do I need to pay import tax?",
        "International order stuck in customs"},
       {"How customs clearance works for cross-border orders.", "Import duties and documents you may need."}},
      {"failed_delivery_attempt", D::kLogistics, "sort out a failed delivery attempt", -1.5,
       {"Courier could not deliver my {parcel}", "Failed delivery attempt", "I missed the delivery",
        "Delivery failed, what now?"},
       {"What happens after a failed delivery attempt.", "How many times the courier will try again."}},
      {"reschedule_delivery", D::kLogistics, "reschedule the delivery", -1.8,
       {"Reschedule my delivery", "Change delivery date", "Arrange another delivery attempt",
        "Pick up my {parcel} from a collection point"},
       {"How to choose a new delivery slot or a pick-up point.", "Rescheduling after a missed delivery."}},
      {"delivered_not_received", D::kLogistics, "report a {parcel} marked delivered but not received", -1.9,
       {"Order shows delivered but I did not receive it", "{parcel} marked as delivered, not received",
        "Missing {parcel} after delivery", "Report a lost {parcel}"},
       {"What to do if tracking says delivered but nothing arrived.", "How we investigate lost {parcel}s."}},
      {"change_delivery_address", D::kLogistics, "change the delivery address", -1.4,
       {"Change my delivery address", "Wrong address on my order", "Update shipping address after checkout",
        "Courier cannot find my address"},
       {"When the delivery address can still be changed.", "Fixing an address problem reported by the courier."}},
      {"delivery_fee", D::kLogistics, "understand the shipping fee", -1.0,
       {"Why is the shipping fee so high?", "Free shipping conditions", "How is the delivery fee calculated?",
        "Shipping fee voucher"},
       {"How shipping fees are worked out.", "When free shipping applies."}},
      {"shipping_options", D::kLogistics, "compare shipping options", -1.3,
       {"Express versus standard delivery", "Available shipping channels", "Same-day delivery options",
        "Choose a courier"},
       {"The delivery options in your area and their typical times.", "How to pick a faster channel."}},
      // Orders
      {"cancel_order", D::kOrders, "cancel an order", -0.4,
       {"Cancel my order", "How to cancel an order before shipping", "Cancellation request",
        "Can I cancel after paying?", "Order cancelled by mistake"},
       {"How and when an order can be cancelled.", "What happens to your payment after cancellation."}},
      {"order_not_shipped", D::kOrders, "get a {seller} to ship an overdue order", -1.4,
       {"{seller} has not shipped my order", "Order still waiting to ship", "Why is my order not shipped yet?",
        "Shipping is overdue"},
       {"What to do when the {seller} misses the shipping deadline.", "Automatic cancellation of unshipped orders."}},
      {"modify_order", D::kOrders, "change the items or options of an order", -1.8,
       {"Change item variation in my order", "Add items to an existing order", "Modify my order",
        "Change quantity after ordering"},
       {"Which parts of an order can be changed after checkout.", "Contacting the {seller} to adjust an order."}},
      {"order_status_meaning", D::kOrders, "understand what the order status means", -1.2,
       {"What does my order status mean?", "Order status explained", "What is 'To Receive'?",
        "Order status not changing"},
       {"Each order status and what happens next.", "How long an order stays in each status."}},
      {"missing_items", D::kOrders, "report items missing from the {parcel}", -1.9,
       {"Items missing from my {parcel}", "Received incomplete order", "Only part of my order arrived",
        "Package is missing a product"},
       {"Reporting missing items after delivery.", "Split shipments and partial deliveries."}},
      {"confirm_receipt", D::kOrders, "confirm that the order was received", -1.3,
       {"How to confirm order received", "Order Received button", "Confirm receipt to release payment",
        "Why should I confirm receipt?"},
       {"Confirming receipt releases the payment to the {seller}.", "When orders are confirmed automatically."}},
      {"order_history", D::kOrders, "find a past order", -1.6,
       {"Find my past orders", "Order history", "Download my purchase history", "Buy again from an old order"},
       {"Where to see all your past orders.", "Searching your purchase history."}},
      // Payments
      {"payment_failed", D::kPayments, "fix a failed payment", -1.2,
       {"Payment failed", "Why was my card declined?", "Cannot complete payment", "Payment error at checkout",
        "Try another payment method"},
       {"Common reasons a payment fails.", "How to retry a payment before the order expires."}},
      {"deducted_not_confirmed", D::kPayments, "resolve money deducted without a confirmed order", -1.8,
       {"Money deducted but order not confirmed", "Charged but order still unpaid", "Double charged",
        "Payment deducted, order shows To Pay"},
       {"When money leaves your account but the order is not marked paid.", "How long automatic reversals take."}},
      {"pending_payment", D::kPayments, "complete a pending payment", -1.4,
       {"Payment still pending", "How long does payment verification take?", "Complete my bank transfer",
        "Pay for an order waiting for payment"},
       {"Pending payments and their time limits.", "Paying by bank transfer or at a convenience store."}},
      {"cod_payment", D::kPayments, "ask about cash on delivery", -1.3,
       {"Cash on delivery", "Is COD available?", "Pay when the {parcel} arrives", "COD order rules"},
       {"How cash on delivery works.", "Limits and fees for cash on delivery orders."}},
      {"payment_methods", D::kPayments, "choose a payment method", -1.1,
       {"Available payment methods", "Add a credit card", "Pay with e-wallet", "Change payment method"},
       {"All the ways you can pay.", "Saving a card or wallet for faster checkout."}},
      {"pay_later_installments", D::kPayments, "use pay-later or instalments", -1.6,
       {"Pay later and instalment plans", "How does PayLater work?", "Instalment interest and fees",
        "Repay my PayLater bill"},
       {"Buy now, pay later: eligibility and repayment.", "Instalment plans with partner banks."}},
      {"invoice_receipt", D::kPayments, "get an invoice or receipt", -1.9,
       {"Get an invoice for my order", "Download receipt", "Tax invoice request", "Where is my payment receipt?"},
       {"How to download a receipt or ask the {seller} for an invoice.", "Invoices for business purchases."}},
      // Refunds and returns
      {"request_return", D::kRefunds, "return an item", -1.1,
       {"Return an item", "How to request a return and {refund}", "Return policy", "Can I return this product?",
        "Start a return"},
       {"How to request a return within the return window.", "What items can be returned."}},
      {"refund_status", D::kRefunds, "check the status of a {refund}", -1.0,
       {"Where is my {refund}?", "Check {refund} status", "{refund} processing time",
        "When will I get my money back?"},
       {"How long a {refund} takes for each payment method.", "Tracking your {refund}."}},
      {"refund_delayed", D::kRefunds, "chase a {refund} that is overdue", -2.0,
       {"{refund} is taking too long", "{refund} not received after approval", "Overdue {refund}",
        "Still waiting for my {refund}"},
       {"What to do when a {refund} is past its expected date.", "Escalating an overdue {refund}."}},
      {"return_shipping", D::kRefunds, "send a return {parcel} back", -1.7,
       {"How to ship my return", "Return shipping label", "Drop off a return {parcel}", "Who pays return shipping?"},
       {"Sending your return to the {seller}.", "Return pick-up and drop-off options."}},
      {"damaged_item", D::kRefunds, "report a damaged item", -1.8,
       {"Item arrived damaged", "Broken product received", "Report a damaged item", "Item is defective"},
       {"How to report damage with photos.", "Replacement or {refund} for damaged items."}},
      {"wrong_item", D::kRefunds, "report a wrong item", -1.9,
       {"Received the wrong item", "Wrong size or colour delivered", "Item different from the listing",
        "{seller} sent the wrong product"},
       {"What to do when the item does not match your order.", "Returns for wrong items are free."}},
      {"refund_rejected", D::kRefunds, "dispute a rejected {refund}", -2.2,
       {"My {refund} request was rejected", "Dispute a {refund} decision", "Appeal a rejected return",
        "Why was my return rejected?"},
       {"Why return requests are rejected.", "How to appeal with more evidence."}},
      // Account
      {"account_suspended", D::kAccount, "restore a suspended account", -2.6,
       {"My account is suspended", "Account banned or frozen", "Reactivate my account", "Why is my account locked?"},
       {"Reasons an account can be suspended.", "How to appeal a suspension."}},
      {"verify_account", D::kAccount, "verify the account identity", -2.2,
       {"Verify my account", "Identity verification (KYC)", "Upload ID documents", "Verification failed"},
       {"Why we ask for identity verification.", "Documents accepted for verification."}},
      {"reset_password", D::kAccount, "reset the password", -1.8,
       {"Forgot my password", "Reset password", "Did not receive the OTP", "Change my password"},
       {"Resetting your password by phone or email.", "When a one-time code does not arrive."}},
      {"suspicious_login", D::kAccount, "secure the account after a suspicious login", -2.5,
       {"Suspicious login on my account", "Someone logged into my account", "Secure my account",
        "Unrecognised device login alert"},
       {"Steps to secure your account.", "Reviewing devices logged in to your account."}},
      {"change_phone_email", D::kAccount, "change the phone number or email", -2.0,
       {"Change my phone number", "Update my email address", "Lost access to my registered phone",
        "Edit account details"},
       {"Updating contact details on your account.", "What to do if you lost your old number."}},
      // Vouchers and promotions
      {"voucher_not_applied", D::kPromotions, "apply a {voucher} that does not work", -1.6,
       {"{voucher} cannot be applied", "Why is my {voucher} invalid?", "{voucher} not working at checkout",
        "Minimum spend for {voucher}"},
       {"Common reasons a {voucher} cannot be used.", "Checking {voucher} terms and minimum spend."}},
      {"voucher_expiring", D::kPromotions, "use a {voucher} before it expires", -2.0,
       {"My {voucher} is expiring", "Extend {voucher} validity", "Where are my {voucher}s?", "Claim a {voucher}"},
       {"Finding and using your {voucher}s before they expire.", "Vouchers cannot be extended once issued."}},
      {"coins_expiring", D::kPromotions, "use {coins} before they expire", -2.1,
       {"My {coins} are expiring", "When do {coins} expire?", "Check {coins} balance", "{coins} disappeared"},
       {"How long {coins} stay valid.", "Where to see your {coins} history."}},
      {"how_to_use_coins", D::kPromotions, "spend {coins} on a purchase", -1.9,
       {"How to use {coins}", "Redeem {coins} at checkout", "Earn more {coins}", "What are {coins} worth?"},
       {"Using {coins} to pay for part of an order.", "Ways to earn {coins}."}},
      {"flash_sale_rules", D::kPromotions, "understand a flash sale or campaign", -1.7,
       {"Flash sale rules", "Campaign promotion terms", "Why did the sale price change?", "Mega sale day guide"},
       {"How flash sales and campaign prices work.", "Purchase limits during sales."}},
      // Seller
      {"contact_seller", D::kSeller, "contact the {seller}", -1.0,
       {"Chat with the {seller}", "Contact the {seller}", "{seller} is not replying", "Ask about a product"},
       {"Reaching the {seller} through chat.", "What to do if the {seller} does not answer."}},
      {"seller_complaint", D::kSeller, "complain about a {seller}", -2.2,
       {"Report a {seller}", "Complain about {seller} service", "{seller} was rude", "Rate my {seller} experience"},
       {"How to report a {seller} for poor service.", "Ratings and reviews."}},
      {"become_seller", D::kSeller, "start selling on the platform", -2.4,
       {"How to start selling", "Open a shop", "{seller} registration", "Seller centre guide"},
       {"Opening your own shop.", "Fees and requirements for new {seller}s."}},
      {"counterfeit_report", D::kSeller, "report a counterfeit product", -2.6,
       {"Report a fake product", "Item is counterfeit", "Authenticity guarantee", "Is this product genuine?"},
       {"Our authenticity guarantee.", "Reporting suspected counterfeit goods."}},
      // App issues
      {"app_crashing", D::kApp, "fix the {app} crashing", -2.2,
       {"{app} keeps crashing", "{app} freezes or closes", "Page not loading", "Error message in the {app}"},
       {"Troubleshooting crashes and loading errors.", "Clearing cache and reinstalling."}},
      {"update_app", D::kApp, "update the {app}", -2.4,
       {"Update the {app}", "{app} version not supported", "How to get the latest {app} version",
        "Features missing in my {app}"},
       {"Why updating the {app} matters.", "Minimum supported versions."}},
      {"login_problem", D::kApp, "solve a login problem", -2.0,
       {"Cannot log in", "Login error", "Stuck on the login page", "Log in with phone number"},
       {"Fixing login errors.", "Logging in with a one-time code."}},
      {"notification_settings", D::kApp, "change notification settings", -2.4,
       {"Turn off notifications", "Not receiving notifications", "Manage email and push notifications",
        "Too many promotional messages"},
       {"Choosing which notifications you receive.", "Unsubscribing from promotions."}},
      // General
      {"talk_to_agent", D::kGeneral, "talk to a human {agent}", -0.9,
       {"Talk to an {agent}", "Contact customer service", "Chat with a human", "Call the hotline"},
       {"How to reach a human {agent}.", "Service hours and expected waiting times."}},
      {"membership_benefits", D::kGeneral, "learn about membership benefits", -1.9,
       {"Membership tiers and benefits", "How to reach the next tier", "VIP programme", "Member-only deals"},
       {"What each membership tier gives you.", "How tiers are calculated."}},
      {"shopping_guide", D::kGeneral, "learn how to shop on the platform", -1.5,
       {"How to place an order", "Shopping guide for new users", "How does checkout work?", "Buying safely"},
       {"A step-by-step guide to your first order.", "Tips for safe shopping."}},
  };
  // clang-format on
  return kConcepts;
}

int concept_index(const std::string& key) {
  static const std::unordered_map<std::string, int> kIndex = [] {
    std::unordered_map<std::string, int> m;
    for (size_t i = 0; i < concepts().size(); ++i) m[concepts()[i].key] = static_cast<int>(i);
    return m;
  }();
  auto it = kIndex.find(key);
  RG_ASSERT(it != kIndex.end(), "unknown concept " + key);
  return it->second;
}

}  // namespace rgalign::sim
