// Intent catalogue: JSONL I/O and candidate resolution.
#include "rgalign/data/intents.h"

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/data/jsonl.h"

namespace rgalign {

namespace {

Intent parse_intent(const std::string& text, const std::string& where) {
  Json j = parse_json(text, where);
  if (!j.is_object()) throw InputError(where, "expected a JSON object");
  Intent in;
  in.intent_id = require_string(j, "intent_id", where);
  if (in.intent_id.empty()) throw InputError(where, "empty \"intent_id\"");
  in.market = require_string(j, "market", where);
  in.title = require_string(j, "title", where);
  in.description = optional_string(j, "description", where, "");
  in.language = optional_string(j, "language", where, "");
  in.valid_from = optional_int(j, "valid_from", where, 0);
  return in;
}

}  // namespace

IntentCatalog IntentCatalog::load(const std::string& path, BadInputPolicy policy, BadInputLog* log) {
  IntentCatalog cat;
  BadInputLog local;
  for_each_jsonl_line(path, "intents file", policy, log ? log : &local,
                      [&](const std::string& line, const std::string& where) {
                        Intent intent = parse_intent(line, where);
                        if (cat.find(intent.intent_id) >= 0)
                          throw InputError(where, "duplicate intent_id \"" + intent.intent_id + "\"");
                        cat.add(std::move(intent));
                      });
  if (!log) local.report(path);
  if (cat.size() == 0) throw InputError(path, "no intents");
  return cat;
}

void IntentCatalog::save(const std::string& path) const {
  AtomicFile f(path);
  for (const auto& in : intents_) f.stream() << intent_to_json_line(in) << "\n";
  f.commit();
}

void IntentCatalog::add(Intent intent) {
  if (by_id_.count(intent.intent_id))
    throw InputError("intents", "duplicate intent_id \"" + intent.intent_id + "\"");
  auto idx = static_cast<int32_t>(intents_.size());
  by_id_[intent.intent_id] = idx;
  by_market_[intent.market].push_back(idx);
  intents_.push_back(std::move(intent));
}

int32_t IntentCatalog::find(const std::string& intent_id) const {
  auto it = by_id_.find(intent_id);
  return it == by_id_.end() ? -1 : it->second;
}

std::vector<std::string> IntentCatalog::markets() const {
  std::vector<std::string> out;
  for (const auto& kv : by_market_) out.push_back(kv.first);
  return out;
}

const std::vector<int32_t>& IntentCatalog::market_intents(const std::string& market) const {
  static const std::vector<int32_t> kEmpty;
  auto it = by_market_.find(market);
  return it == by_market_.end() ? kEmpty : it->second;
}

std::vector<int32_t> IntentCatalog::candidates(const std::string& market, int64_t ts) const {
  std::vector<int32_t> out;
  for (int32_t i : market_intents(market))
    if (intents_[static_cast<size_t>(i)].valid_from <= ts) out.push_back(i);
  return out;
}

std::string intent_text(const Intent& intent) {
  if (intent.description.empty()) return intent.title;
  return intent.title + ". " + intent.description;
}

std::string intent_to_json_line(const Intent& in) {
  Json j = {{"intent_id", in.intent_id}, {"market", in.market}, {"title", in.title}};
  if (!in.description.empty()) j["description"] = in.description;
  if (!in.language.empty()) j["language"] = in.language;
  if (in.valid_from != 0) j["valid_from"] = in.valid_from;
  return j.dump();
}

}  // namespace rgalign
