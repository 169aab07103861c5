// stderr logger set-up.
#include "rgalign/common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
#include <string>

namespace rgalign {

void init_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("rgalign");
  // Launched as one rank of several (RANK and WORLD_SIZE set, as torchrun does): lines say which rank wrote
  // them, and only rank 0 logs below warnings, so N workers do not print N copies of every line.
  const char* rank = std::getenv("RANK");
  const char* world = std::getenv("WORLD_SIZE");
  const bool ranked = rank != nullptr && world != nullptr && std::string(world) != "1";
  logger->set_pattern(ranked ? std::string("%Y-%m-%d %H:%M:%S.%e [rank ") + rank + "] %^%l%$ %v"
                             : std::string("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v"));
  spdlog::set_default_logger(logger);
  auto lvl = spdlog::level::from_str(level);
  if (ranked && std::string(rank) != "0" && lvl < spdlog::level::warn) lvl = spdlog::level::warn;
  spdlog::set_level(lvl);
}

}  // namespace rgalign
