// JSONL line reading.
#include "rgalign/data/jsonl.h"

#include <fstream>

#include "rgalign/common/error.h"

namespace rgalign {

bool is_blank_line(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

void for_each_jsonl_line(const std::string& path, const std::string& what, BadInputPolicy policy,
                         BadInputLog* log,
                         const std::function<void(const std::string& line, const std::string& where)>& f) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open " + what);
  RG_ASSERT(policy == BadInputPolicy::kStrict || log != nullptr, "skip-bad reading needs a log");
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (is_blank_line(line)) continue;
    try {
      f(line, location(path, lineno));
    } catch (const InputError& e) {
      if (policy == BadInputPolicy::kStrict) throw;
      log->add(e.what());
    }
  }
}

}  // namespace rgalign
