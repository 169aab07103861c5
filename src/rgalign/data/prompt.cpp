// Prompt rendering.
#include "rgalign/data/prompt.h"

#include <cmath>
#include <cstdio>

namespace rgalign {

const char* const kReasonerInstruction =
    "A shopper has just opened the customer-service chat and has not typed anything yet. From what the "
    "platform "
    "knows about them, write the question they most likely want to ask.";

namespace {
std::string spaced(std::string s) {
  for (char& c : s)
    if (c == '_') c = ' ';
  return s;
}
}  // namespace

std::string render_value(const FeatureValue& v) {
  switch (v.kind) {
    case FeatureValue::Kind::kMissing: return "";
    case FeatureValue::Kind::kString: return spaced(v.str);
    case FeatureValue::Kind::kNumber: {
      char buf[64];
      if (std::fabs(v.num - std::round(v.num)) < 1e-9 && std::fabs(v.num) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v.num);
      else
        std::snprintf(buf, sizeof buf, "%.2f", v.num);
      std::string s = buf;
      if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();  // 4.50 -> 4.5
        if (s.back() == '.') s.pop_back();
      }
      return s == "-0" ? "0" : s;
    }
    case FeatureValue::Kind::kList: {
      std::string s;
      for (size_t i = 0; i < v.list.size(); ++i) s += (i ? ", " : "") + spaced(v.list[i]);
      return s.empty() ? "none" : s;
    }
  }
  return "";
}

std::string render_features(const Request& r, const Schema& schema) {
  std::string out;
  for (size_t i = 0; i < schema.size() && i < r.features.size(); ++i) {
    if (r.features[i].is_missing()) continue;
    const FeatureSpec& f = schema.at(i);
    const std::string value = render_value(r.features[i]);
    std::string line;
    if (f.render.empty()) {
      line = f.name + ": " + value;
    } else {
      const size_t at = f.render.find("{}");
      line = f.render.substr(0, at) + value + f.render.substr(at + 2);
    }
    out += "- " + line + "\n";
  }
  return out;
}

std::string render_prompt(const Request& r, const Schema& schema) {
  return std::string(kReasonerInstruction) + "\nMarket: " + r.market + "\n" + render_features(r, schema) +
         "Question the shopper most likely wants to ask:";
}

}  // namespace rgalign
