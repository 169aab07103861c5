// Defensive JSON access: every failure names where and which field.
#include <gtest/gtest.h>

#include "rgalign/common/json_util.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(JsonUtil, InvalidJsonNamesLocation) {
  std::string msg = test::error_of([] { parse_json("{\"a\": ", "f.jsonl:3"); });
  EXPECT_EQ(msg.rfind("f.jsonl:3: invalid JSON", 0), 0u) << msg;
}

TEST(JsonUtil, MissingAndWrongTypedFields) {
  Json j = parse_json(R"({"a": 1, "b": "x", "c": [1, "y"]})", "w");
  EXPECT_EQ(test::error_of([&] { require_string(j, "z", "w:1"); }), "w:1: missing field \"z\"");
  EXPECT_EQ(test::error_of([&] { require_string(j, "a", "w:1"); }),
            "w:1: field \"a\" must be a string, got number");
  EXPECT_EQ(test::error_of([&] { require_int(j, "b", "w:1"); }),
            "w:1: field \"b\" must be an integer, got string");
  EXPECT_EQ(test::error_of([&] { require_string_array(j, "c", "w:1"); }),
            "w:1: field \"c[0]\" must be a string, got number");
  EXPECT_EQ(optional_string(j, "missing", "w", "fallback"), "fallback");
}

TEST(JsonUtil, NonFiniteNumbersRejected) {
  Json j = Json::array({1.0, std::numeric_limits<double>::infinity()});
  EXPECT_DOUBLE_EQ(require_finite_number(j[0], "x", "w"), 1.0);
  EXPECT_EQ(test::error_of([&] { require_finite_number(j[1], "x", "w"); }), "w: field \"x\" must be finite");
}

}  // namespace
}  // namespace rgalign
