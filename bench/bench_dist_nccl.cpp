// The one-GPU NCCL path of the data-parallel trainer: a process group that joins alone (world of one) with
// NCCL for CUDA tensors, a CUDA all-reduce and broadcast through c10d, and GradientSync over an MLP trained
// on the GPU, checked against the same training without synchronisation (in a world of one the summed
// gradient is the gradient). Prints one line; on a machine without CUDA it says so and exits 0.
//   bench_dist_nccl [--steps N] [--port P]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "rgalign/dist/grad_sync.h"
#include "rgalign/dist/process_group.h"

namespace {

torch::nn::Sequential make_mlp(const torch::Device& device) {
  torch::manual_seed(0);
  torch::nn::Sequential m(torch::nn::Linear(256, 1024), torch::nn::ReLU(), torch::nn::Linear(1024, 1024),
                          torch::nn::ReLU(), torch::nn::Linear(1024, 1));
  m->to(device);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 200, port = 29531;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--steps") == 0) steps = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
  }
  if (!torch::cuda::is_available()) {
    std::printf("name=dist_nccl skipped=no_cuda\n");
    return 0;
  }
  using rgalign::DistGroup;
  rgalign::DistEnv env;
  env.master_port = port;
  DistGroup group(env, std::chrono::seconds(120), /*use_nccl=*/true, /*join_alone=*/true);
  const torch::Device cuda(torch::kCUDA, 0);

  // Collectives on a CUDA tensor through NCCL.
  auto t = torch::arange(1024, torch::TensorOptions().dtype(torch::kFloat32).device(cuda));  // [1024]
  const auto before = t.clone();
  group.allreduce_sum(t);
  group.broadcast(t);
  const bool collectives_ok = torch::equal(t, before);

  // The same training with and without GradientSync (several buckets, launched from the backward hooks).
  auto plain = make_mlp(cuda), synced = make_mlp(cuda);
  torch::optim::Adam opt_a(plain->parameters(), 1e-3), opt_b(synced->parameters(), 1e-3);
  rgalign::GradientSync sync(group, synced->parameters(), /*bucket_bytes=*/1u << 20);
  torch::manual_seed(1);
  auto x = torch::randn({8192, 256}, cuda);                           // [N, 256]
  auto y = x.narrow(1, 0, 8).sum(/*dim=*/1, /*keepdim=*/true).sin();  // [N, 1]
  auto run = [&](torch::nn::Sequential& m, torch::optim::Adam& opt, bool sync_grads) {
    torch::cuda::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    for (int s = 0; s < steps; ++s) {
      auto idx = torch::arange((s * 256) % 8192, (s * 256) % 8192 + 256,
                               torch::TensorOptions().dtype(torch::kInt64).device(cuda));
      opt.zero_grad();
      if (sync_grads) sync.begin_step();
      auto loss = torch::mse_loss(m->forward(x.index_select(0, idx)), y.index_select(0, idx));
      loss.backward();
      if (sync_grads) sync.finish_step();
      opt.step();
    }
    torch::cuda::synchronize();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / steps;
  };
  // Warm-up (CUDA context, kernels, NCCL communicator) on both, then the timed steps; the same steps on both.
  run(plain, opt_a, false);
  run(synced, opt_b, true);
  const double plain_ms = run(plain, opt_a, false);
  const double synced_ms = run(synced, opt_b, true);
  double diff = 0;
  auto pa = plain->parameters(), pb = synced->parameters();
  for (size_t i = 0; i < pa.size(); ++i) diff = std::max(diff, (pa[i] - pb[i]).abs().max().item<double>());
  std::printf(
      "name=dist_nccl cuda_devices=%d torch=%d.%d collectives_ok=%d buckets=%zu steps=%d max_param_diff=%.3g "
      "plain_ms_per_step=%.3f nccl_ms_per_step=%.3f\n",
      static_cast<int>(torch::cuda::device_count()), TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR,
      collectives_ok ? 1 : 0, sync.n_buckets(), steps, diff, plain_ms, synced_ms);
  return collectives_ok && diff <= 1e-6 ? 0 : 1;
}
