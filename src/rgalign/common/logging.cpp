// stderr logger set-up.
#include "rgalign/common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace rgalign {

void init_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("rgalign");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace rgalign
