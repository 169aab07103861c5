// Request files (train/valid/test.jsonl): one impression group per line, in either form of the contract:
// full-KB `clicked` (candidates = the market's intents valid at ts) or explicit `candidates` + `labels`.
// Read as a stream, so a file larger than memory is fine.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "rgalign/data/bad_input.h"
#include "rgalign/data/feature_value.h"
#include "rgalign/data/intents.h"
#include "rgalign/data/schema.h"

namespace rgalign {

struct Request {
  std::string request_id;
  std::string user_id;
  int64_t ts = 0;
  std::string market;
  std::vector<FeatureValue> features;  // [schema.size()], in schema order; absent features are missing
  std::vector<int32_t> candidates;     // intent indices into the catalogue
  std::vector<float> labels;           // [candidates.size()], 1 = clicked
  bool explicit_candidates = false;    // true: the line carried "candidates" + "labels"
  int64_t line = 0;                    // 1-based line in its file, for messages
};

// Parses one line. Throws InputError at `where` for malformed JSON, missing or wrong-typed fields, unknown
// features, unknown intent ids, clicked intents outside the candidate set, empty candidate sets and
// candidate/label length mismatches.
Request parse_request(const std::string& text, const Schema& schema, const IntentCatalog& catalog,
                      const std::string& where);
// The contract's JSON line; writes the `clicked` form unless the request carries explicit candidates.
std::string request_to_json_line(const Request& r, const Schema& schema, const IntentCatalog& catalog);

// One rank's share of a request file: blocks of `block` lines are dealt round-robin (line l belongs to rank
// ((l - 1) / block) % world), so a rank parses only its own lines and no rank holds a whole file. The default
// is the whole file.
struct Shard {
  int rank = 0;
  int world = 1;
  int64_t block = 1;
  bool owns(int64_t line) const { return world <= 1 || ((line - 1) / block) % world == rank; }
};

class RequestReader {
 public:
  // `log` receives skipped lines under kSkipBad; may be null (then they are reported at close()).
  RequestReader(const std::string& path, const Schema& schema, const IntentCatalog& catalog,
                BadInputPolicy policy, BadInputLog* log = nullptr);
  ~RequestReader();
  // Reads only the shard's lines from now on.
  void set_shard(const Shard& shard) { shard_ = shard; }
  // Next valid request; false at end of file. Under kStrict a bad line throws.
  bool next(Request& out);
  int64_t lines_read() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const Schema& schema_;
  const IntentCatalog& catalog_;
  BadInputPolicy policy_;
  BadInputLog own_log_;
  BadInputLog* log_;
  std::ifstream in_;
  std::string buf_;
  int64_t line_ = 0;
  Shard shard_;
};

// Reads a whole split into memory (for training and evaluation on data that fits).
std::vector<Request> read_requests(const std::string& path, const Schema& schema,
                                   const IntentCatalog& catalog, BadInputPolicy policy,
                                   BadInputLog* log = nullptr, const Shard& shard = {});

}  // namespace rgalign
