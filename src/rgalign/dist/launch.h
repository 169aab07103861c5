// `rgalign launch`: starts the workers of a data-parallel job on this machine with the environment torchrun
// gives them (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), waits for them, and
// when one fails stops the others (SIGTERM, then SIGKILL after a grace period), so a job never hangs on a
// dead worker. Several machines: run it on each with --nnodes, --node-rank and the same
// --master-addr/--master-port.
#pragma once

#include <string>
#include <vector>

namespace rgalign {

struct LaunchOptions {
  int nproc = 2;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;  // 0: a free port on this machine (single node only)
  int timeout_s = 300;  // RGALIGN_DIST_TIMEOUT_S of the workers: how long a collective may wait
  int grace_s = 10;     // after a worker fails, how long the others have to exit before SIGKILL

  template <class V>
  void visit(V&& v) {
    v("nproc", nproc, "workers to start on this machine");
    v("nnodes", nnodes, "machines taking part");
    v("node-rank", node_rank, "this machine's index in [0, nnodes)");
    v("master-addr", master_addr, "address of the rank-0 machine (the rendezvous)");
    v("master-port", master_port, "rendezvous port (0 = pick a free one; single machine only)");
    v("timeout", timeout_s, "seconds a collective may wait for the other ranks before failing");
    v("grace", grace_s, "seconds the other workers get to exit after one fails");
  }
};

// Runs `command` (argv; a first word "rgalign" means this executable) as nproc workers. Returns 0 when all
// succeed, else the exit status of the first that failed (128 + signal for a killed one).
int run_launch(const LaunchOptions& opt, const std::vector<std::string>& command);

}  // namespace rgalign
