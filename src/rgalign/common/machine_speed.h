// What a run's wall time was measured on: the CPU's name, the threads it used, and how fast it multiplies
// float32 matrices. Every step of the pipeline is bound by such products (the reasoner's projections, the
// rankers' towers), so a time measured here converts to another machine roughly by the ratio of their GEMM
// rates, which the model name alone does not give (the same name runs at different clocks and core types).
#pragma once

#include <string>

namespace rgalign {

struct MachineSpeed {
  std::string cpu;           // /proc/cpuinfo's "model name" ("" where there is none)
  int threads = 0;           // intra-op threads in use (at::get_num_threads)
  double gemm_gflops = 0.0;  // float32 GEMM rate on those threads (GFLOP/s), the best of the probe's rounds
};

// About 0.1 s per round on a 2-core machine, the best round counts. [2048 x 512] x [512 x 1536] products (the
// MLP of a 50M-parameter decoder over 2,048 tokens): large enough that BLAS runs near its peak, as the
// pipeline's batched products do.
MachineSpeed measure_machine_speed(int rounds = 8);
// Only the GEMM rate (GFLOP/s) of the same products.
double measure_gemm_gflops(int rounds = 8);

}  // namespace rgalign
