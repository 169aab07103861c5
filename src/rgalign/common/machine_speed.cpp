// Machine speed probe.
#include "rgalign/common/machine_speed.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <fstream>

namespace rgalign {

namespace {
std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) break;
    const size_t start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}
}  // namespace

double measure_gemm_gflops(int rounds) {
  c10::InferenceMode guard;
  constexpr int64_t M = 2048, K = 512, N = 1536;
  auto gen = at::detail::createCPUGenerator(/*seed_in=*/0);
  auto a = torch::randn({M, K}, gen, torch::kFloat32), b = torch::randn({K, N}, gen, torch::kFloat32);
  for (int i = 0; i < 4; ++i) torch::mm(a, b);  // warm-up: BLAS threads, buffers, the CPU clock
  double best = 1e30;
  for (int r = 0; r < std::max(1, rounds); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 2; ++i) torch::mm(a, b);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 2);
  }
  return 2.0 * M * K * N / best / 1e9;
}

MachineSpeed measure_machine_speed(int rounds) {
  MachineSpeed m;
  m.cpu = cpu_model_name();
  m.threads = at::get_num_threads();
  m.gemm_gflops = measure_gemm_gflops(rounds);
  return m;
}

}  // namespace rgalign
