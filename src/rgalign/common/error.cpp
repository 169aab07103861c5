// Error formatting and the internal-invariant abort.
#include "rgalign/common/error.h"

#include <cstdio>
#include <cstdlib>

namespace rgalign {

namespace {
std::string compose(const std::string& where, const std::string& what, const std::string& hint) {
  std::string msg = where.empty() ? what : where + ": " + what;
  if (!hint.empty()) msg += " (" + hint + ")";
  return msg;
}
}  // namespace

InputError::InputError(const std::string& where, const std::string& what, const std::string& hint)
    : std::runtime_error(compose(where, what, hint)), where_(where), what_(what) {}

std::string location(const std::string& path, int64_t line) {
  return line > 0 ? path + ":" + std::to_string(line) : path;
}

void assert_fail(const char* expr, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "rgalign internal error: %s:%d: assertion `%s` failed: %s\n", file, line, expr,
               msg.c_str());
  std::abort();
}

}  // namespace rgalign
