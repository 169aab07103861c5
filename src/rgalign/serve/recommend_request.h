// The body of POST /v1/recommend (DESIGN.md section 5), parsed defensively: {"market": "SG", "features":
// {...}, "k": 3, "ts": optional unix seconds}. Every problem is a RequestError with the HTTP status and a
// message naming the field; nothing here can crash on input.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "rgalign/data/intents.h"
#include "rgalign/data/requests.h"
#include "rgalign/data/schema.h"

namespace rgalign {

class RequestError : public std::runtime_error {
 public:
  RequestError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct RecommendLimits {
  int max_depth = 16;  // nesting of arrays and objects in the body
  int max_k = 1000;
  bool strict_features = false;  // unknown features: 400 instead of ignored and counted
};

struct RecommendRequest {
  Request request;  // market, features (missing ones missing), candidates valid at ts
  int k = 3;
  std::vector<std::string> ignored_features;  // unknown names, ignored (not strict)
};

// Nesting depth of a JSON text (arrays and objects, strings skipped).
int json_depth(const std::string& text);

RecommendRequest parse_recommend(const std::string& body, const Schema& schema, const IntentCatalog& catalog,
                                 const RecommendLimits& limits, int64_t now);

}  // namespace rgalign
