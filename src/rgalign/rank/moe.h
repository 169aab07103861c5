// Mixture of experts (Shazeer et al. 2017; as in MMoE, Ma et al. KDD 2018): a softmax gate mixes the outputs
// of several expert MLPs.
#pragma once

#include <torch/torch.h>

namespace rgalign {

class MixtureOfExpertsImpl : public torch::nn::Module {
 public:
  MixtureOfExpertsImpl(int64_t in_dim, int64_t hidden_dim, int64_t out_dim, int64_t experts);
  // x [B, in] -> [B, out]
  torch::Tensor forward(const torch::Tensor& x);
  // The weights stacked over experts: gate [E, in], [E]; first layers [E, hidden, in], [E, hidden]; second
  // layers [E, out, hidden], [E, out].
  std::vector<torch::Tensor> stacked_weights() const;

 private:
  torch::nn::Linear gate_{nullptr};
  torch::nn::ModuleList experts_;
};
TORCH_MODULE(MixtureOfExperts);

}  // namespace rgalign
