// World generation: users -> sessions -> observations -> hidden needs -> clicks, streamed to JSONL.
#include "rgalign/sim/world.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"
#include "rgalign/common/json_util.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/progress.h"
#include "rgalign/data/requests.h"
#include "rgalign/data/truth.h"
#include "rgalign/sim/concepts.h"
#include "rgalign/sim/needs.h"
#include "rgalign/sim/observation.h"
#include "rgalign/sim/user_state.h"

namespace rgalign::sim {

namespace {
constexpr double kBrowseShare = 0.03;
constexpr double kHistoryDays = 21;  // orders placed before day 0 so that the first week has state
double round7(double p) {
  return std::round(p * 1e7) / 1e7;
}
}  // namespace

void WorldOptions::validate() const {
  if (out.empty()) throw InputError("--out", "missing output directory");
  if (users < 1) throw InputError("--users", "must be at least 1");
  if (weeks < 2) throw InputError("--weeks", "must be at least 2 (the last week is the test split)");
  if (intents_per_market < 0 || intents_per_market > 100000)
    throw InputError("--intents-per-market", "must be 0-100000");
  if (cold_intents < 0 || cold_intents > 1000) throw InputError("--cold-intents", "must be 0-1000");
  if (!(valid_fraction >= 0 && valid_fraction < 1)) throw InputError("--valid-fraction", "must be in [0, 1)");
  select_markets(markets);
}

std::vector<double> click_probabilities(const WorldKb& kb, int market, const std::vector<int32_t>& candidates,
                                        const std::vector<double>& need_probs) {
  const auto& members = kb.members[static_cast<size_t>(market)];
  // Share of each concept's mass among its intents that are candidates now.
  std::vector<double> concept_total(members.size(), 0.0);
  for (int32_t i : candidates) concept_total[static_cast<size_t>(kb.concept_of[i])] += kb.weight[i];
  double orphan_mass = 0;  // needs with no candidate intent right now go to browsing
  for (size_t c = 0; c < concept_total.size(); ++c)
    if (concept_total[c] == 0) orphan_mass += need_probs[c];
  const double n = static_cast<double>(candidates.size());
  std::vector<double> p(candidates.size());
  for (size_t k = 0; k < candidates.size(); ++k) {
    int32_t i = candidates[k];
    auto c = static_cast<size_t>(kb.concept_of[i]);
    p[k] = (1 - kBrowseShare) * need_probs[c] * kb.weight[i] / concept_total[c] +
           (kBrowseShare + (1 - kBrowseShare) * orphan_mass) / n;
  }
  return p;
}

WorldSummary generate_world(const WorldOptions& opt) {
  namespace fs = std::filesystem;
  opt.validate();
  auto t0 = std::chrono::steady_clock::now();
  const std::vector<MarketProfile> markets = select_markets(opt.markets);
  const double test_start = 7.0 * (opt.weeks - 1), end_day = 7.0 * opt.weeks;
  const int64_t cold_from = kWorldEpoch + static_cast<int64_t>(test_start * 86400);
  make_dirs(opt.out);
  make_dirs((fs::path(opt.out) / "truth").string());

  const Schema schema = world_schema();
  schema.save((fs::path(opt.out) / "schema.yaml").string());
  // New articles launch at the start of every week after the first; the test week's are the cold intents.
  std::vector<int64_t> launches;
  for (int w = 1; w < opt.weeks; ++w) launches.push_back(kWorldEpoch + static_cast<int64_t>(w) * 7 * 86400);
  WorldKb kb = build_kb(markets, opt.seed, opt.intents_per_market, opt.cold_intents, launches, cold_from);
  kb.catalog.save((fs::path(opt.out) / "intents.jsonl").string());

  const char* kSplits[] = {"train", "valid", "test"};
  std::vector<std::unique_ptr<AtomicFile>> req_files, truth_files;
  for (const char* s : kSplits) {
    req_files.push_back(
        std::make_unique<AtomicFile>((fs::path(opt.out) / (std::string(s) + ".jsonl")).string()));
    truth_files.push_back(
        std::make_unique<AtomicFile>((fs::path(opt.out) / "truth" / (std::string(s) + ".jsonl")).string()));
  }

  WorldSummary sum;
  int64_t n_requests = 0;
  double total_candidates = 0;
  Progress progress("simulate", static_cast<uint64_t>(opt.users), "users");
  for (int ui = 0; ui < opt.users; ++ui) {
    Rng rng(mix64(opt.seed, static_cast<uint64_t>(ui)));
    User user = simulate_user(ui, markets, -kHistoryDays, end_day, rng);
    const MarketProfile& m = markets[static_cast<size_t>(user.market)];
    std::vector<double> days = session_days(user, 0.0, end_day, rng);
    std::vector<double> previous;
    std::string last_topic = "none";
    for (double day : days) {
      Observation obs = observe(user, m, day, kWorldEpoch, previous, last_topic, rng);
      std::vector<double> logits = need_logits(obs, m);
      for (size_t c = 0; c < logits.size(); ++c) logits[c] += user.taste[c];
      softmax_inplace(logits);

      Request r;
      r.request_id = "r" + std::to_string(n_requests++);
      r.user_id = "u" + std::to_string(ui);
      r.ts = kWorldEpoch + static_cast<int64_t>(std::floor(day * 86400));
      r.market = m.code;
      r.features = obs.to_features(schema);
      r.candidates = kb.catalog.candidates(m.code, r.ts);
      std::vector<double> probs = click_probabilities(kb, user.market, r.candidates, logits);
      size_t clicked = rng.categorical(probs);
      r.labels.assign(r.candidates.size(), 0.0f);
      r.labels[clicked] = 1.0f;

      size_t split = day >= test_start ? 2 : (rng.bernoulli(opt.valid_fraction) ? 1 : 0);
      req_files[split]->stream() << request_to_json_line(r, schema, kb.catalog) << '\n';
      std::vector<std::string> ids;
      ids.reserve(r.candidates.size());
      for (int32_t i : r.candidates) ids.push_back(kb.catalog.at(i).intent_id);
      for (double& p : probs) p = round7(p);
      truth_files[split]->stream() << truth_to_json_line(r.request_id, ids, probs) << '\n';
      (split == 0 ? sum.n_train : split == 1 ? sum.n_valid : sum.n_test) += 1;
      total_candidates += static_cast<double>(r.candidates.size());

      previous.push_back(day);
      last_topic = domain_name(concepts()[static_cast<size_t>(kb.concept_of[r.candidates[clicked]])].domain);
    }
    progress.advance();
  }
  progress.finish();
  for (auto& f : req_files) f->commit();
  for (auto& f : truth_files) f->commit();

  sum.n_intents = static_cast<int64_t>(kb.catalog.size());
  sum.n_users = opt.users;
  sum.mean_candidates = n_requests > 0 ? total_candidates / static_cast<double>(n_requests) : 0;
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Json info;
  info["generator"] = "rgalign simulate";
  info["version"] = RGALIGN_VERSION;
  info["seed"] = opt.seed;
  info["users"] = opt.users;
  info["weeks"] = opt.weeks;
  info["markets"] = opt.markets;
  info["intents_per_market"] = opt.intents_per_market;
  info["cold_intents"] = opt.cold_intents;
  info["launches"] = launches;
  info["valid_fraction"] = opt.valid_fraction;
  info["epoch"] = kWorldEpoch;
  info["test_from"] = cold_from;
  info["counts"] = {
      {"train", sum.n_train}, {"valid", sum.n_valid}, {"test", sum.n_test}, {"intents", sum.n_intents}};
  write_json_file((fs::path(opt.out) / "world.json").string(), info);
  return sum;
}

}  // namespace rgalign::sim
