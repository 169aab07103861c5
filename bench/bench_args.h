// Command-line values for the benchmarks: `--name value` pairs with defaults.
#pragma once

#include <cstdlib>
#include <string>

namespace rgalign::bench {

inline long arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == name) return std::atol(argv[i + 1]);
  return fallback;
}

inline std::string sarg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == name) return argv[i + 1];
  return fallback;
}

}  // namespace rgalign::bench
