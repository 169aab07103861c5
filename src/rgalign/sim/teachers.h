// Simulated teacher LLMs for multi-teacher distillation: each reads only a request's features (never its
// click or truth) and writes a short latent-query text from its own partial, noisy knowledge of the need
// rules. Temperature makes repeated samples differ.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rgalign/data/feature_value.h"
#include "rgalign/data/schema.h"
#include "rgalign/sim/markets.h"
#include "rgalign/sim/needs.h"
#include "rgalign/sim/rng.h"

namespace rgalign::sim {

struct TeacherProfile {
  std::string name;
  std::vector<RuleGroup> expert;   // rules it knows well (small noise)
  std::vector<RuleGroup> partial;  // rules it knows vaguely (damped, noisy)
  double expert_noise = 0.15;      // relative noise on an expert rule's strength
  double partial_noise = 0.8;
  bool verbose = false;  // long, hedging answers
};

class SimulatedTeacher {
 public:
  explicit SimulatedTeacher(TeacherProfile profile) : p_(std::move(profile)) {}
  const std::string& name() const { return p_.name; }
  // features: in `schema` order; market: the request's market code. temperature 0 = its single best guess.
  std::string generate(const std::vector<FeatureValue>& features, const Schema& schema,
                       const std::string& market, double temperature, Rng& rng) const;
  // The concept it settled on in the last generate() call is not kept: the text is all a teacher gives.

 private:
  TeacherProfile p_;
};

// Three teachers of different competence: a logistics expert, a payments/refunds expert, a generic verbose
// one.
std::vector<SimulatedTeacher> default_teachers();

}  // namespace rgalign::sim
