// The distributed launch environment, read the way torchrun sets it: RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT. A process started without them is a world of one and needs none of it.
#pragma once

#include <string>

namespace rgalign {

struct DistEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;

  bool distributed() const { return world_size > 1; }
  bool is_root() const { return rank == 0; }
};

// Reads the variables; WORLD_SIZE absent (or 1) gives a single process. Throws InputError naming the variable
// when one is malformed or out of range (RANK outside [0, WORLD_SIZE), a port outside 1-65535, ...).
DistEnv dist_env_from_environment();

}  // namespace rgalign
