// Local multi-process launcher.
#include "rgalign/dist/launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"

namespace rgalign {

namespace {

volatile sig_atomic_t g_forward_signal = 0;

void on_signal(int sig) {
  g_forward_signal = sig;
}

// A port the kernel says is free now (the rendezvous binds it a moment later).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw InputError("--master-port", std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw InputError("--master-port", std::string("cannot find a free port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

int status_code(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 1;
}

std::string describe(int st) {
  if (WIFSIGNALED(st)) return std::string("killed by signal ") + strsignal(WTERMSIG(st));
  return "exit status " + std::to_string(status_code(st));
}

}  // namespace

int run_launch(const LaunchOptions& opt, const std::vector<std::string>& command) {
  if (opt.nproc < 1) throw InputError("--nproc", "must be at least 1");
  if (opt.nnodes < 1) throw InputError("--nnodes", "must be at least 1");
  if (opt.node_rank < 0 || opt.node_rank >= opt.nnodes)
    throw InputError("--node-rank", "must be in [0, nnodes)");
  if (opt.master_port < 0 || opt.master_port > 65535) throw InputError("--master-port", "must be in 0-65535");
  if (opt.master_port == 0 && opt.nnodes > 1)
    throw InputError("--master-port", "several machines must agree on the port", "give --master-port");
  if (opt.timeout_s < 1) throw InputError("--timeout", "must be at least 1 second");
  if (opt.grace_s < 0) throw InputError("--grace", "must be >= 0");
  if (command.empty())
    throw InputError("launch", "no command to run", "rgalign launch --nproc 2 -- rgalign train ...");
  const int port = opt.master_port > 0 ? opt.master_port : free_port();
  const int world = opt.nproc * opt.nnodes;
  std::string exe = command[0];
  if (exe == "rgalign") exe = "/proc/self/exe";

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  spdlog::info("launch: {} worker(s) here, world size {}, rendezvous {}:{}", opt.nproc, world,
               opt.master_addr, port);
  std::vector<pid_t> pids(static_cast<size_t>(opt.nproc), -1);
  for (int local = 0; local < opt.nproc; ++local) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      const std::string why = std::strerror(errno);
      for (pid_t p : pids)  // the workers already started would wait for the missing ones until timing out
        if (p > 0 && ::kill(-p, SIGKILL) != 0) ::kill(p, SIGKILL);
      throw std::runtime_error("launch: fork failed: " + why);
    }
    if (pid == 0) {
      // Each worker leads its own process group, so stopping it stops whatever it started too.
      ::setpgid(0, 0);
      ::setenv("RANK", std::to_string(opt.node_rank * opt.nproc + local).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(local).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(opt.nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", opt.master_addr.c_str(), 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::setenv("RGALIGN_DIST_TIMEOUT_S", std::to_string(opt.timeout_s).c_str(), 1);
      sigaction(SIGINT, &old_int, nullptr);
      sigaction(SIGTERM, &old_term, nullptr);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(exe.c_str()));
      for (size_t i = 1; i < command.size(); ++i) argv.push_back(const_cast<char*>(command[i].c_str()));
      argv.push_back(nullptr);
      ::execvp(exe.c_str(), argv.data());
      std::fprintf(stderr, "rgalign launch: cannot run %s: %s\n", command[0].c_str(), std::strerror(errno));
      ::_exit(127);
    }
    ::setpgid(pid, pid);  // also here: whichever of parent and child runs first, the group exists
    pids[static_cast<size_t>(local)] = pid;
  }

  int result = 0;
  size_t running = pids.size();
  bool stopping = false;
  std::chrono::steady_clock::time_point kill_at;
  auto stop_others = [&](int sig) {
    for (pid_t p : pids)
      if (p > 0 && ::kill(-p, sig) != 0) ::kill(p, sig);
  };
  while (running > 0) {
    if (g_forward_signal != 0 && !stopping) {
      spdlog::warn("launch: got signal {}; stopping the workers", static_cast<int>(g_forward_signal));
      stop_others(SIGTERM);
      stopping = true;
      kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(opt.grace_s);
      if (result == 0) result = 128 + g_forward_signal;
    }
    if (stopping && std::chrono::steady_clock::now() >= kill_at) stop_others(SIGKILL);
    int st = 0;
    const pid_t done = ::waitpid(-1, &st, WNOHANG);
    if (done <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    for (size_t local = 0; local < pids.size(); ++local) {
      if (pids[local] != done) continue;
      pids[local] = -1;
      --running;
      const int rank = opt.node_rank * opt.nproc + static_cast<int>(local);
      if (status_code(st) != 0 && result == 0) {
        result = status_code(st);
        spdlog::error("launch: rank {} failed ({}); stopping the other workers", rank, describe(st));
        if (!stopping) {
          stop_others(SIGTERM);
          stopping = true;
          kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(opt.grace_s);
        }
      }
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (result == 0) spdlog::info("launch: all {} worker(s) finished", opt.nproc);
  return result;
}

}  // namespace rgalign
