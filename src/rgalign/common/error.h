// Typed errors: user and input errors throw InputError (what, where, hint); internal invariants abort via
// RG_ASSERT. Errors are caught only in cli/main.cpp and at the HTTP boundary.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace rgalign {

// A problem with something the user gave us: a file, a flag, a request. The message names where.
class InputError : public std::runtime_error {
 public:
  // where: "schema.yaml:14" or "--users"; hint: what would be accepted (may be empty).
  InputError(const std::string& where, const std::string& what, const std::string& hint = "");
  const std::string& where() const { return where_; }
  const std::string& reason() const { return what_; }

 private:
  std::string where_;
  std::string what_;
};

// "path:line" for messages; line 0 means the whole file.
std::string location(const std::string& path, int64_t line);

[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace rgalign

#define RG_ASSERT(cond, msg)                                             \
  do {                                                                   \
    if (!(cond)) ::rgalign::assert_fail(#cond, __FILE__, __LINE__, msg); \
  } while (0)
