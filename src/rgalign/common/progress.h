// Progress for long work: a bar with rate and ETA on a terminal, one log line per interval otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace rgalign {

class Progress {
 public:
  // total 0 means unknown (no ETA); unit names what is counted ("requests", "groups").
  Progress(std::string label, uint64_t total, std::string unit, double log_interval_s = 10.0);
  ~Progress();
  void advance(uint64_t n = 1);
  void set_suffix(const std::string& s) { suffix_ = s; }  // e.g. "loss 0.4321"
  void finish();
  double elapsed_s() const;
  uint64_t done() const { return done_; }

 private:
  void render(bool final_line);
  std::string label_, unit_, suffix_;
  uint64_t total_, done_ = 0;
  double log_interval_s_;
  bool tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

// "5.4k", "1.2M": compact rate formatting for logs.
std::string human_count(double x);

}  // namespace rgalign
