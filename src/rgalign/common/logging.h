// Logging to stderr (results go to files or stdout). Thin wrapper over spdlog.
#pragma once

#include <spdlog/spdlog.h>

namespace rgalign {

// Sets up the stderr logger once; level is "debug", "info", "warn" or "error".
void init_logging(const std::string& level);

}  // namespace rgalign
