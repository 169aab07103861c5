// intents.jsonl: the Knowledge-Base intents, and per-request candidate resolution (market, valid_from).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "rgalign/data/bad_input.h"

namespace rgalign {

struct Intent {
  std::string intent_id;
  std::string market;
  std::string title;
  std::string description;
  std::string language;
  int64_t valid_from = 0;  // unix seconds; a candidate only from then on
};

class IntentCatalog {
 public:
  // Reads intents.jsonl; malformed lines and duplicate ids follow `policy`.
  static IntentCatalog load(const std::string& path, BadInputPolicy policy = BadInputPolicy::kStrict,
                            BadInputLog* log = nullptr);
  void save(const std::string& path) const;

  void add(Intent intent);  // throws InputError on a duplicate id
  size_t size() const { return intents_.size(); }
  const Intent& at(int32_t index) const { return intents_[static_cast<size_t>(index)]; }
  const std::vector<Intent>& intents() const { return intents_; }
  // Index of the intent or -1.
  int32_t find(const std::string& intent_id) const;
  bool has_market(const std::string& market) const { return by_market_.count(market) > 0; }
  std::vector<std::string> markets() const;
  // All intents of the market valid at ts, in catalogue order (the full-KB candidate set).
  std::vector<int32_t> candidates(const std::string& market, int64_t ts) const;
  const std::vector<int32_t>& market_intents(const std::string& market) const;

 private:
  std::vector<Intent> intents_;
  std::unordered_map<std::string, int32_t> by_id_;
  std::map<std::string, std::vector<int32_t>> by_market_;
};

std::string intent_to_json_line(const Intent& intent);
// An intent's text for models: "title. description", or the title alone without a description.
std::string intent_text(const Intent& intent);

}  // namespace rgalign
