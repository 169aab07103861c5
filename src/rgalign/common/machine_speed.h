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
  double gemm_gflops = 0.0;  // float32 GEMM rate on those threads, the best of `rounds` products
};

// About 0.1 s per round on a 2-core machine. [1024 x 512] x [512 x 1536] products: a shape between the
// built-in reasoner's projections and a 0.5B model's MLP.
MachineSpeed measure_machine_speed(int rounds = 5);
// Only the GEMM rate (GFLOP/s) of the same products.
double measure_gemm_gflops(int rounds = 5);

}  // namespace rgalign
