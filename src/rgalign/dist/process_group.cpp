// c10d process group: TCPStore rendezvous, Gloo (CPU) and NCCL (CUDA) collectives.
#include "rgalign/dist/process_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <cstring>

#ifdef RGALIGN_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"

namespace rgalign {

namespace {

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

// The Gloo transport device: the interface named by GLOO_SOCKET_IFNAME (as torch does), loopback when the
// rendezvous is on this machine, else the address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const DistEnv& env) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != '\0')
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (is_loopback(env.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

std::chrono::seconds dist_timeout_from_environment() {
  const char* v = std::getenv("RGALIGN_DIST_TIMEOUT_S");
  if (v == nullptr || *v == '\0') return std::chrono::seconds(300);
  char* end = nullptr;
  const long s = std::strtol(v, &end, 10);
  if (*end != '\0' || s < 1 || s > 86400)
    throw InputError("RGALIGN_DIST_TIMEOUT_S",
                     std::string("\"") + v + "\" is not a number of seconds in [1, 86400]");
  return std::chrono::seconds(s);
}

struct DistGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#ifdef RGALIGN_HAVE_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
};

DistGroup::DistGroup(const DistEnv& env, std::chrono::seconds timeout, bool use_nccl, bool join_alone)
    : env_(env), timeout_(timeout), impl_(std::make_unique<Impl>()) {
  if (!distributed() && !join_alone) return;
#ifndef RGALIGN_HAVE_NCCL
  if (use_nccl)
    throw InputError("--dist-backend", "NCCL needs rgalign built against a CUDA libtorch",
                     "use gloo, or rebuild with -DCMAKE_PREFIX_PATH pointing at a CUDA PyTorch");
#endif
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(env.master_port);
    so.isServer = env.rank == 0;
    so.numWorkers = static_cast<std::size_t>(env.world_size);
    so.waitWorkers = true;
    so.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
    auto go = c10d::ProcessGroupGloo::Options::create();
    go->devices.push_back(gloo_device(env));
    go->timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo", impl_->store), env.rank, env.world_size, go);
#ifdef RGALIGN_HAVE_NCCL
    if (use_nccl) {
      auto no = c10d::ProcessGroupNCCL::Options::create();
      impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
          c10::make_intrusive<c10d::PrefixStore>("nccl", impl_->store), env.rank, env.world_size, no);
    }
#endif
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw DistError("distributed: rank " + std::to_string(env.rank) + " of " +
                    std::to_string(env.world_size) + " could not join the group at " + env.master_addr + ":" +
                    std::to_string(env.master_port) + " within " + std::to_string(timeout.count()) +
                    " s: " + e.what());
  }
  active_ = true;
  spdlog::info("distributed: rank {} of {} joined at {}:{} (gloo{})", env.rank, env.world_size,
               env.master_addr, env.master_port, use_nccl ? " + nccl" : "");
}

DistGroup::~DistGroup() = default;

DistGroup& DistGroup::world() {
  static DistGroup group(dist_env_from_environment(), dist_timeout_from_environment());
  return group;
}

void DistGroup::fail(const char* op, const std::exception& e) const {
  throw DistError("distributed: " + std::string(op) + " failed on rank " + std::to_string(env_.rank) +
                  " of " + std::to_string(env_.world_size) +
                  " (another rank exited, the network failed, or nothing arrived within " +
                  std::to_string(timeout_.count()) + " s): " + e.what());
}

std::function<void()> DistGroup::allreduce_sum_async(torch::Tensor& t) {
  if (!active()) return [] {};
  try {
    std::vector<at::Tensor> ts{t};
    c10::intrusive_ptr<c10d::Work> work;
#ifdef RGALIGN_HAVE_NCCL
    if (t.is_cuda() && impl_->nccl) work = impl_->nccl->allreduce(ts);
#endif
    if (!work) {
      TORCH_CHECK(t.is_cpu(), "allreduce of a CUDA tensor needs the NCCL backend");
      work = impl_->gloo->allreduce(ts);
    }
    return [this, work]() {
      try {
        work->wait();
      } catch (const std::exception& e) {
        fail("all-reduce", e);
      }
    };
  } catch (const std::exception& e) {
    fail("all-reduce", e);
  }
}

void DistGroup::allreduce_sum(torch::Tensor& t) {
  allreduce_sum_async(t)();
}

void DistGroup::broadcast(torch::Tensor& t, int root) {
  if (!active()) return;
  try {
    std::vector<at::Tensor> ts{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
#ifdef RGALIGN_HAVE_NCCL
    if (t.is_cuda() && impl_->nccl) {
      impl_->nccl->broadcast(ts, o)->wait();
      return;
    }
#endif
    impl_->gloo->broadcast(ts, o)->wait();
  } catch (const std::exception& e) {
    fail("broadcast", e);
  }
}

std::vector<std::string> DistGroup::allgather_bytes(const std::string& mine) {
  if (!active()) return {mine};
  try {
    const int W = env_.world_size;
    // Sizes first, then every rank's bytes padded to the largest.
    std::vector<at::Tensor> in{torch::tensor({static_cast<int64_t>(mine.size())}, torch::kInt64)};
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < W; ++r) out[0].push_back(torch::empty({1}, torch::kInt64));
    impl_->gloo->allgather(out, in)->wait();
    int64_t max_n = 1;
    for (const auto& s : out[0]) max_n = std::max(max_n, s.item<int64_t>());
    auto buf = torch::zeros({max_n}, torch::kUInt8);  // [max_n]
    std::memcpy(buf.data_ptr<uint8_t>(), mine.data(), mine.size());
    std::vector<at::Tensor> bin{buf};
    std::vector<std::vector<at::Tensor>> bout(1);
    for (int r = 0; r < W; ++r) bout[0].push_back(torch::empty({max_n}, torch::kUInt8));
    impl_->gloo->allgather(bout, bin)->wait();
    std::vector<std::string> all(static_cast<size_t>(W));
    for (int r = 0; r < W; ++r)
      all[static_cast<size_t>(r)].assign(reinterpret_cast<const char*>(bout[0][r].data_ptr<uint8_t>()),
                                         static_cast<size_t>(out[0][r].item<int64_t>()));
    return all;
  } catch (const std::exception& e) {
    fail("all-gather", e);
  }
}

void DistGroup::barrier() {
  if (!active()) return;
  try {
    impl_->gloo->barrier()->wait();
  } catch (const std::exception& e) {
    fail("barrier", e);
  }
}

void DistGroup::on_root(const std::string& what, const std::function<void()>& f) {
  if (!active()) {
    f();
    return;
  }
  const std::string key = "root-section/" + std::to_string(root_sections_++);
  if (is_root()) {
    std::string outcome = "ok";
    try {
      f();
    } catch (...) {
      outcome = "failed";
      try {
        impl_->store->set(key, std::vector<uint8_t>(outcome.begin(), outcome.end()));
      } catch (...) {  // the original error matters more
      }
      throw;
    }
    try {
      impl_->store->set(key, std::vector<uint8_t>(outcome.begin(), outcome.end()));
    } catch (const std::exception& e) {
      fail("signalling the end of a rank-0 step", e);
    }
    return;
  }
  std::vector<uint8_t> v;
  try {
    impl_->store->wait({key}, std::chrono::hours(24 * 7));
    v = impl_->store->get(key);
  } catch (const std::exception& e) {
    fail(("waiting for rank 0 (" + what + ")").c_str(), e);
  }
  if (std::string(v.begin(), v.end()) != "ok")
    throw DistError("distributed: rank 0 failed during " + what + "; rank " + std::to_string(rank()) +
                    " stops too");
}

}  // namespace rgalign
