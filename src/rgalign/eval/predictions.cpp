// Prediction file I/O.
#include "rgalign/eval/predictions.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <string_view>

#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/data/jsonl.h"

namespace rgalign {

namespace {

std::vector<float> number_array(const Json& j, const char* key, const std::string& where, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) throw InputError(where, std::string("missing field \"") + key + "\"");
    return {};
  }
  if (!it->is_array()) throw InputError(where, std::string("\"") + key + "\" must be an array of numbers");
  std::vector<float> out;
  out.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i)
    out.push_back(static_cast<float>(
        require_finite_number((*it)[i], std::string(key) + "[" + std::to_string(i) + "]", where)));
  return out;
}

}  // namespace

namespace {

// A scanner for the common shape of a prediction line: an object whose values are plain strings (no escapes)
// or arrays of numbers or of plain strings. Anything else returns false and the line goes through the full
// JSON parser, which handles every valid form and words every error; this path only makes the usual case
// fast.
class FastLineScanner {
 public:
  explicit FastLineScanner(const std::string& s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool scan(PredictionLine& out, bool& has_scores, bool& has_labels) {
    ws();
    if (!eat('{')) return false;
    ws();
    if (eat('}')) return at_end();
    for (;;) {
      std::string_view key;
      if (!string(key)) return false;
      ws();
      if (!eat(':')) return false;
      ws();
      if (key == "request_id") {
        std::string_view v;
        if (!string(v)) return false;
        out.request_id.assign(v);
      } else if (key == "scores" || key == "labels" || key == "truth") {
        std::vector<float>& dst = key == "scores" ? out.scores : key == "labels" ? out.labels : out.truth;
        if (!numbers(dst)) return false;
        (key == "scores" ? has_scores : has_labels) |= key != "truth";
      } else if (key == "intent_ids" || key == "segments") {
        if (!strings(key == "intent_ids" ? out.intent_ids : out.segments)) return false;
      } else {
        return false;
      }
      ws();
      if (eat('}')) return at_end();
      if (!eat(',')) return false;
      ws();
    }
  }

 private:
  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }
  bool eat(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool at_end() {
    ws();
    return p_ == end_;
  }
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    const char* start = p_;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20) return false;
      ++p_;
    }
    if (p_ == end_) return false;
    out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }
  bool numbers(std::vector<float>& out) {
    out.clear();
    if (!eat('[')) return false;
    ws();
    if (eat(']')) return true;
    for (;;) {
      if (p_ == end_ || !(*p_ == '-' || (*p_ >= '0' && *p_ <= '9'))) return false;  // JSON numbers only
      double x;
      auto r = std::from_chars(p_, end_, x);
      if (r.ec != std::errc()) return false;
      p_ = r.ptr;
      out.push_back(static_cast<float>(x));
      ws();
      if (eat(']')) return true;
      if (!eat(',')) return false;
      ws();
    }
  }
  bool strings(std::vector<std::string>& out) {
    out.clear();
    if (!eat('[')) return false;
    ws();
    if (eat(']')) return true;
    for (;;) {
      std::string_view v;
      if (!string(v)) return false;
      out.emplace_back(v);
      ws();
      if (eat(']')) return true;
      if (!eat(',')) return false;
      ws();
    }
  }
  const char* p_;
  const char* end_;
};

void validate(const PredictionLine& p, const std::string& where) {
  const std::pair<const char*, const std::vector<float>*> arrays[] = {
      {"scores", &p.scores}, {"labels", &p.labels}, {"truth", &p.truth}};
  for (const auto& [name, values] : arrays)
    for (size_t i = 0; i < values->size(); ++i)
      if (!std::isfinite((*values)[i]))  // also catches doubles beyond float range
        throw InputError(where,
                         std::string("field \"") + name + "[" + std::to_string(i) + "]\" must be finite");
  if (p.scores.empty()) throw InputError(where, "empty group: \"scores\" is empty");
  if (p.labels.size() != p.scores.size())
    throw InputError(where, "\"labels\" has " + std::to_string(p.labels.size()) +
                                " entries but \"scores\" has " + std::to_string(p.scores.size()));
  if (!p.truth.empty() && p.truth.size() != p.scores.size())
    throw InputError(where, "\"truth\" must be as long as \"scores\"");
  if (!p.intent_ids.empty() && p.intent_ids.size() != p.scores.size())
    throw InputError(where, "\"intent_ids\" must be as long as \"scores\"");
  for (size_t i = 0; i < p.labels.size(); ++i)
    if (p.labels[i] < 0) throw InputError(where, "\"labels[" + std::to_string(i) + "]\" must be >= 0");
}

}  // namespace

PredictionLine parse_prediction_line(const std::string& text, const std::string& where) {
  PredictionLine p;
  bool has_scores = false, has_labels = false;
  if (FastLineScanner(text).scan(p, has_scores, has_labels) && has_scores && has_labels) {
    validate(p, where);
    return p;
  }
  p = PredictionLine();
  Json j = parse_json(text, where);
  if (!j.is_object()) throw InputError(where, "expected a JSON object");
  p.request_id = optional_string(j, "request_id", where, "");
  p.scores = number_array(j, "scores", where, true);
  p.labels = number_array(j, "labels", where, true);
  p.truth = number_array(j, "truth", where, false);
  if (j.contains("intent_ids")) p.intent_ids = require_string_array(j, "intent_ids", where);
  if (j.contains("segments")) p.segments = require_string_array(j, "segments", where);
  validate(p, where);
  return p;
}

std::string prediction_to_json_line(const PredictionLine& p) {
  Json j;
  j["request_id"] = p.request_id;
  if (!p.intent_ids.empty()) j["intent_ids"] = p.intent_ids;
  j["scores"] = p.scores;
  j["labels"] = p.labels;
  if (!p.truth.empty()) j["truth"] = p.truth;
  if (!p.segments.empty()) j["segments"] = p.segments;
  return j.dump();
}

GroupedScores read_predictions(const std::string& path, BadInputPolicy policy, BadInputLog* log) {
  GroupedScores data;
  for_each_jsonl_line(path, "predictions file", policy, log,
                      [&](const std::string& line, const std::string& where) {
                        PredictionLine p = parse_prediction_line(line, where);
                        data.add_group(p.scores, p.labels, p.truth, p.segments);
                      });
  return data;
}

}  // namespace rgalign
