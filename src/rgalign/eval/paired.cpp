// Paired comparison.
#include "rgalign/eval/paired.h"

#include "rgalign/common/error.h"
#include "rgalign/eval/bootstrap.h"

namespace rgalign {

namespace {
Json differences_json(const std::map<std::string, PairedDifference>& d) {
  Json j = Json::object();
  for (const auto& [name, x] : d) j[name] = {{"diff", x.diff}, {"ci95", {x.ci95.lo, x.ci95.hi}}};
  return j;
}
}  // namespace

Json paired_comparison(const GroupedScores& a, const GroupedScores& b, const MetricsOptions& opt) {
  if (a.offsets() != b.offsets() || a.labels() != b.labels())
    throw InputError("paired comparison", "the two models were not scored on the same requests and labels");
  const auto sa = compute_group_stats(a, opt.threads), sb = compute_group_stats(b, opt.threads);
  Json j =
      differences_json(paired_bootstrap(sa, sb, nullptr, opt.bootstrap_resamples, opt.seed, opt.threads));
  if (opt.segments) {
    Json seg = Json::object();
    for (const auto& [name, members] : a.segments())
      seg[name] = differences_json(
          paired_bootstrap(sa, sb, &members, opt.bootstrap_resamples, opt.seed, opt.threads));
    j["segments"] = std::move(seg);
  }
  return j;
}

}  // namespace rgalign
