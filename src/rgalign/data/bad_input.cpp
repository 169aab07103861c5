// Bad-input accounting.
#include "rgalign/data/bad_input.h"

#include "rgalign/common/logging.h"

namespace rgalign {

void BadInputLog::add(const std::string& message) {
  ++n_bad;
  if (messages.size() < kKeepMessages) messages.push_back(message);
}

void BadInputLog::report(const std::string& what) const {
  if (n_bad == 0) return;
  spdlog::warn("{}: skipped {} bad line(s) (--skip-bad); first {}:", what, n_bad, messages.size());
  for (const auto& m : messages) spdlog::warn("  {}", m);
}

}  // namespace rgalign
