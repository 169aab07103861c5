// Feature encoder fitting, encoding and (de)serialisation.
#include "rgalign/rank/feature_encoder.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"

namespace rgalign {

std::vector<std::string> text_words(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      words.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

// Ids per field: missing (0) and OOV (1), then one per numeric bucket (boundaries + 1), hash bucket or word.
int64_t FeatureEncoder::cardinality_of(const Field& f) {
  if (f.type == FeatureType::kNumeric) return 2 + static_cast<int64_t>(f.boundaries.size()) + 1;
  if (f.hash_buckets > 0) return 2 + f.hash_buckets;
  return 2 + static_cast<int64_t>(f.vocab.size());
}

FeatureEncoder::Field FeatureEncoder::make_field(const FeatureSpec& spec, int index) const {
  Field f;
  f.schema_index = index;
  f.name = spec.name;
  f.type = spec.type;
  f.hash_buckets = spec.type == FeatureType::kText ? opt_.text_hash_buckets : spec.hash_buckets;
  f.boundaries = spec.buckets;
  f.max_len = static_cast<int>(spec.max_len > 0 ? spec.max_len : opt_.default_max_len);
  return f;
}

namespace {

bool needs_vocabulary(const FeatureSpec& spec) {
  return (spec.type == FeatureType::kCategorical || spec.type == FeatureType::kMultiCategorical) &&
         spec.hash_buckets == 0;
}

bool needs_quantiles(const FeatureSpec& spec) {
  return spec.type == FeatureType::kNumeric && spec.buckets.empty();
}

}  // namespace

EncoderStats EncoderStats::collect(const Schema& schema, const std::vector<Request>& requests) {
  EncoderStats st;
  st.counts.resize(schema.size());
  st.numbers.resize(schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    const FeatureSpec& spec = schema.at(i);
    if (needs_quantiles(spec))
      for (const auto& r : requests)
        if (r.features[i].kind == FeatureValue::Kind::kNumber) st.numbers[i].push_back(r.features[i].num);
    if (needs_vocabulary(spec))
      for (const auto& r : requests) {
        const FeatureValue& v = r.features[i];
        if (v.kind == FeatureValue::Kind::kString) ++st.counts[i][v.str];
        if (v.kind == FeatureValue::Kind::kList)
          for (const auto& s : v.list) ++st.counts[i][s];
      }
  }
  return st;
}

void EncoderStats::merge(const EncoderStats& other) {
  RG_ASSERT(other.counts.size() == counts.size() && other.numbers.size() == numbers.size(),
            "merging encoder statistics of different schemas");
  for (size_t i = 0; i < counts.size(); ++i) {
    for (const auto& [value, n] : other.counts[i]) counts[i][value] += n;
    numbers[i].insert(numbers[i].end(), other.numbers[i].begin(), other.numbers[i].end());
  }
}

std::string EncoderStats::to_bytes() const {
  const std::vector<uint8_t> b = Json::to_cbor(Json{{"counts", counts}, {"numbers", numbers}});
  return std::string(b.begin(), b.end());
}

EncoderStats EncoderStats::from_bytes(const std::string& bytes) {
  const Json j = Json::from_cbor(bytes.begin(), bytes.end());
  EncoderStats st;
  j.at("counts").get_to(st.counts);
  j.at("numbers").get_to(st.numbers);
  return st;
}

FeatureEncoder FeatureEncoder::fit(const Schema& schema, const std::vector<Request>& train,
                                   const EncoderOptions& opt) {
  return fit(schema, EncoderStats::collect(schema, train), opt);
}

FeatureEncoder FeatureEncoder::fit(const Schema& schema, const EncoderStats& stats,
                                   const EncoderOptions& opt) {
  RG_ASSERT(stats.counts.size() == schema.size(), "encoder statistics of another schema");
  FeatureEncoder e;
  e.opt_ = opt;
  for (size_t i = 0; i < schema.size(); ++i) {
    const FeatureSpec& spec = schema.at(i);
    Field f = e.make_field(spec, static_cast<int>(i));
    const bool multi = spec.type == FeatureType::kMultiCategorical || spec.type == FeatureType::kText;
    if (needs_quantiles(spec)) {
      std::vector<double> xs = stats.numbers[i];
      std::sort(xs.begin(), xs.end());
      for (int q = 1; q < opt.quantile_buckets && !xs.empty(); ++q) {
        double b = xs[std::min(
            xs.size() - 1, xs.size() * static_cast<size_t>(q) / static_cast<size_t>(opt.quantile_buckets))];
        if (f.boundaries.empty() || b > f.boundaries.back()) f.boundaries.push_back(b);
      }
    }
    if (needs_vocabulary(spec))
      for (const auto& [value, n] : stats.counts[i])  // ordered, so ids are deterministic
        if (n >= opt.min_count) f.vocab.emplace(value, 2 + static_cast<int64_t>(f.vocab.size()));
    f.cardinality = cardinality_of(f);
    if (multi) {
      e.max_len_ = std::max(e.max_len_, f.max_len);
      e.multi_.push_back(std::move(f));
    } else {
      e.single_.push_back(std::move(f));
    }
  }
  return e;
}

int64_t FeatureEncoder::categorical_id(const Field& f, const std::string& value) const {
  if (f.hash_buckets > 0)
    return 2 + static_cast<int64_t>(fnv1a64(value) % static_cast<uint64_t>(f.hash_buckets));
  auto it = f.vocab.find(value);
  return it == f.vocab.end() ? kOov : it->second;
}

int64_t FeatureEncoder::numeric_id(const Field& f, double x) const {
  // Bucket k holds boundaries[k-1] <= x < boundaries[k].
  auto k = std::upper_bound(f.boundaries.begin(), f.boundaries.end(), x) - f.boundaries.begin();
  return 2 + static_cast<int64_t>(k);
}

void FeatureEncoder::encode(const Request& r, int64_t* single, int64_t* multi, float* mask) const {
  for (size_t s = 0; s < single_.size(); ++s) {
    const Field& f = single_[s];
    const FeatureValue& v = r.features[static_cast<size_t>(f.schema_index)];
    if (v.kind == FeatureValue::Kind::kString)
      single[s] = categorical_id(f, v.str);
    else if (v.kind == FeatureValue::Kind::kNumber)
      single[s] = numeric_id(f, v.num);
    else
      single[s] = kMissing;
  }
  const auto L = static_cast<size_t>(max_len_);
  for (size_t m = 0; m < multi_.size(); ++m) {
    const Field& f = multi_[m];
    int64_t* ids = multi + m * L;
    float* msk = mask + m * L;
    std::fill(ids, ids + L, kMissing);
    std::fill(msk, msk + L, 0.0f);
    const FeatureValue& v = r.features[static_cast<size_t>(f.schema_index)];
    std::vector<std::string> items;
    if (v.kind == FeatureValue::Kind::kList)
      items = v.list;
    else if (v.kind == FeatureValue::Kind::kString)
      items = text_words(v.str);
    const size_t n = std::min(items.size(), static_cast<size_t>(f.max_len));
    for (size_t k = 0; k < n; ++k) {
      ids[k] = categorical_id(f, items[k]);
      msk[k] = 1.0f;
    }
  }
}

namespace {
template <class Field, class Get>
auto collect(const std::vector<Field>& fields, Get get) {
  std::vector<decltype(get(fields.front()))> out;
  for (const auto& f : fields) out.push_back(get(f));
  return out;
}
}  // namespace

std::vector<int64_t> FeatureEncoder::single_cardinalities() const {
  return collect(single_, [](const Field& f) { return f.cardinality; });
}
std::vector<int64_t> FeatureEncoder::multi_cardinalities() const {
  return collect(multi_, [](const Field& f) { return f.cardinality; });
}
std::vector<std::string> FeatureEncoder::single_names() const {
  return collect(single_, [](const Field& f) { return f.name; });
}
std::vector<std::string> FeatureEncoder::multi_names() const {
  return collect(multi_, [](const Field& f) { return f.name; });
}

Json FeatureEncoder::to_json() const {
  Json j;
  j["format"] = "rgalign-encoder/1";
  j["options"] = {{"min_count", opt_.min_count},
                  {"quantile_buckets", opt_.quantile_buckets},
                  {"default_max_len", opt_.default_max_len},
                  {"text_hash_buckets", opt_.text_hash_buckets}};
  j["max_len"] = max_len_;
  Json fields = Json::array();
  for (const auto* group : {&single_, &multi_})
    for (const auto& f : *group) {
      std::vector<std::pair<int64_t, std::string>> by_id;
      for (const auto& [value, id] : f.vocab) by_id.emplace_back(id, value);
      std::sort(by_id.begin(), by_id.end());
      Json vocab = Json::array();
      for (const auto& p : by_id) vocab.push_back(p.second);
      fields.push_back({{"name", f.name},
                        {"type", feature_type_name(f.type)},
                        {"hash_buckets", f.hash_buckets},
                        {"boundaries", f.boundaries},
                        {"max_len", f.max_len},
                        {"vocab", vocab}});
    }
  j["fields"] = std::move(fields);
  return j;
}

FeatureEncoder FeatureEncoder::from_json(const Json& j, const Schema& schema, const std::string& where) {
  FeatureEncoder e;
  const Json& o = require_field(j, "options", where);
  e.opt_.min_count = static_cast<int>(require_int(o, "min_count", where));
  e.opt_.quantile_buckets = static_cast<int>(require_int(o, "quantile_buckets", where));
  e.opt_.default_max_len = static_cast<int>(require_int(o, "default_max_len", where));
  e.opt_.text_hash_buckets = static_cast<int>(require_int(o, "text_hash_buckets", where));
  e.max_len_ = static_cast<int>(require_int(j, "max_len", where));
  const Json& fields = require_field(j, "fields", where);
  if (!fields.is_array() || fields.size() != schema.size())
    throw InputError(where,
                     "encoder has " + std::to_string(fields.is_array() ? fields.size() : 0) +
                         " fields but the dataset schema has " + std::to_string(schema.size()),
                     "the model was trained on another schema");
  for (const auto& fj : fields) {
    const std::string name = require_string(fj, "name", where);
    const int idx = schema.find(name);
    if (idx < 0) throw InputError(where, "encoder field \"" + name + "\" is not in the dataset schema");
    if (require_string(fj, "type", where) != feature_type_name(schema.at(static_cast<size_t>(idx)).type))
      throw InputError(where, "encoder field \"" + name + "\" has another type than in the dataset schema");
    Field f = e.make_field(schema.at(static_cast<size_t>(idx)), idx);
    f.hash_buckets = require_int(fj, "hash_buckets", where);
    f.max_len = static_cast<int>(require_int(fj, "max_len", where));
    f.boundaries.clear();
    for (const auto& b : require_field(fj, "boundaries", where)) f.boundaries.push_back(b.get<double>());
    const auto vocab = require_string_array(fj, "vocab", where);
    for (size_t k = 0; k < vocab.size(); ++k) f.vocab.emplace(vocab[k], 2 + static_cast<int64_t>(k));
    f.cardinality = cardinality_of(f);
    const bool multi = f.type == FeatureType::kMultiCategorical || f.type == FeatureType::kText;
    (multi ? e.multi_ : e.single_).push_back(std::move(f));
  }
  return e;
}

}  // namespace rgalign
