// A trained ranker as evaluation and serving see it: scores for a request's candidates.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rgalign/data/dataset.h"
#include "rgalign/data/requests.h"

namespace rgalign {

class Scorer {
 public:
  virtual ~Scorer() = default;
  virtual std::string model_name() const = 0;
  // out: [r.candidates.size()] scores, higher = more likely clicked (log-scale for listwise models).
  virtual void score(const Request& r, std::vector<float>& out) const = 0;
  // Many requests at once (neural models batch them); out[i] as score() would give for rs[i].
  virtual void score_batch(const std::vector<Request>& rs, std::vector<std::vector<float>>& out) const {
    out.resize(rs.size());
    for (size_t i = 0; i < rs.size(); ++i) score(rs[i], out[i]);
  }
};

// Loads the model a run directory holds (run.json names it). Throws InputError naming what is wrong.
std::unique_ptr<Scorer> load_scorer(const std::string& run_dir, const Dataset& data);

}  // namespace rgalign
