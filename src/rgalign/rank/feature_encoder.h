// Feature encoding for the neural rankers, fitted on the training split and saved with the model so that
// evaluation and serving encode identically. Every field maps to integer ids; 0 means missing/padding and a
// value never seen in training maps to the field's out-of-vocabulary id, never to an error.
//   categorical        vocabulary (values with >= min_count training occurrences) or hash buckets
//   numeric            bucket of the declared boundaries, or of quantiles fitted on train
//   multi_categorical  up to max_len ids, padded, with a mask
//   text               lower-cased words hashed into text_hash_buckets, as a multi-valued field
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "rgalign/common/json_util.h"
#include "rgalign/data/requests.h"
#include "rgalign/data/schema.h"

namespace rgalign {

struct EncoderOptions {
  int min_count = 2;             // rarer categorical values share the OOV id
  int quantile_buckets = 16;     // numeric features without declared buckets
  int default_max_len = 8;       // multi-valued features without max_len
  int text_hash_buckets = 2048;  // words of text features
};

// What fitting needs from the training split, per schema feature: value counts of vocabulary features and the
// values of numeric features without declared buckets. Collected per shard and merged, a distributed fit
// equals the single-process one exactly.
struct EncoderStats {
  std::vector<std::map<std::string, int64_t>> counts;  // [schema.size()]
  std::vector<std::vector<double>> numbers;            // [schema.size()]

  static EncoderStats collect(const Schema& schema, const std::vector<Request>& requests);
  void merge(const EncoderStats& other);
  std::string to_bytes() const;  // CBOR: doubles travel exactly
  static EncoderStats from_bytes(const std::string& bytes);
};

class FeatureEncoder {
 public:
  static constexpr int64_t kMissing = 0;
  static constexpr int64_t kOov = 1;

  static FeatureEncoder fit(const Schema& schema, const std::vector<Request>& train,
                            const EncoderOptions& opt = {});
  static FeatureEncoder fit(const Schema& schema, const EncoderStats& stats, const EncoderOptions& opt = {});
  Json to_json() const;
  // Checks that the saved encoder matches `schema` (names and types), naming the first difference.
  static FeatureEncoder from_json(const Json& j, const Schema& schema, const std::string& where);

  size_t n_single() const { return single_.size(); }  // categorical + numeric fields
  size_t n_multi() const { return multi_.size(); }    // multi_categorical + text fields
  int max_len() const { return max_len_; }            // L: the padded length of every multi-valued field
  std::vector<int64_t> single_cardinalities() const;  // ids per single field, missing and OOV included
  std::vector<int64_t> multi_cardinalities() const;
  std::vector<std::string> single_names() const;
  std::vector<std::string> multi_names() const;

  // single: [n_single]; multi: [n_multi * L] ids; mask: [n_multi * L], 1 where an id is present.
  void encode(const Request& r, int64_t* single, int64_t* multi, float* mask) const;

 private:
  struct Field {
    int schema_index = 0;
    std::string name;
    FeatureType type = FeatureType::kCategorical;
    int64_t hash_buckets = 0;                        // categorical hashing (0 = vocabulary)
    std::vector<double> boundaries;                  // numeric
    std::unordered_map<std::string, int64_t> vocab;  // value -> id (>= 2)
    int64_t cardinality = 2;
    int max_len = 0;
  };
  int64_t categorical_id(const Field& f, const std::string& value) const;
  int64_t numeric_id(const Field& f, double x) const;
  Field make_field(const FeatureSpec& spec, int index) const;
  static int64_t cardinality_of(const Field& f);

  EncoderOptions opt_;
  std::vector<Field> single_, multi_;
  int max_len_ = 1;
};

// Lower-cased words of a text (letters and digits), as text fields and bag-of-words models split them.
std::vector<std::string> text_words(const std::string& text);

}  // namespace rgalign
