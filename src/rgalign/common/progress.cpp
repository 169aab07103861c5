// Terminal progress bar / periodic log line.
#include "rgalign/common/progress.h"

#include <unistd.h>

#include <cstdio>

#include "rgalign/common/logging.h"

namespace rgalign {

std::string human_count(double x) {
  char buf[32];
  if (x >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1fG", x / 1e9);
  else if (x >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1fM", x / 1e6);
  else if (x >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1fk", x / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}

Progress::Progress(std::string label, uint64_t total, std::string unit, double log_interval_s)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      log_interval_s_(log_interval_s),
      tty_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
  finish();
}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(uint64_t n) {
  done_ += n;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_).count();
  if (since >= (tty_ ? 0.2 : log_interval_s_)) {
    last_ = now;
    render(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  render(true);
}

void Progress::render(bool final_line) {
  if (!spdlog::should_log(spdlog::level::info)) return;  // quiet ranks and --log-level warn
  double el = elapsed_s();
  double rate = el > 0 ? done_ / el : 0.0;
  char eta[32] = "";
  if (total_ > 0 && rate > 0 && !final_line)
    std::snprintf(eta, sizeof eta, " | ETA %.0fs", (total_ - std::min(done_, total_)) / rate);
  std::string counts =
      total_ > 0 ? std::to_string(done_) + "/" + std::to_string(total_) : std::to_string(done_);
  std::string line = label_ + " " + counts + " " + unit_ + " | " + human_count(rate) + " " + unit_ + "/s" +
                     eta + (suffix_.empty() ? "" : " | " + suffix_) + (final_line ? " | done in " : "");
  if (final_line) {
    char t[32];
    std::snprintf(t, sizeof t, "%.1fs", el);
    line += t;
  }
  if (tty_) {
    std::string bar;
    if (total_ > 0) {
      int w = 24, filled = static_cast<int>(w * std::min(1.0, double(done_) / total_));
      bar = "[" + std::string(filled, '#') + std::string(w - filled, '.') + "] ";
    }
    std::fprintf(stderr, "\r%s%s\033[K%s", bar.c_str(), line.c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
  } else {
    spdlog::info("{}", line);
  }
}

}  // namespace rgalign
