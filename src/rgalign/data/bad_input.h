// What to do with a malformed input line: fail the run (--strict) or count, report and skip it (--skip-bad).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rgalign {

enum class BadInputPolicy { kStrict, kSkipBad };

// Collects skipped lines so that nothing disappears silently.
struct BadInputLog {
  static constexpr size_t kKeepMessages = 20;
  int64_t n_bad = 0;
  std::vector<std::string> messages;  // the first kKeepMessages reasons, "file:line: reason"

  void add(const std::string& message);
  // Logs a warning with the count and the kept messages; does nothing when there were none.
  void report(const std::string& what) const;
};

}  // namespace rgalign
