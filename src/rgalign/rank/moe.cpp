// Gated mixture of expert MLPs.
#include "rgalign/rank/moe.h"

namespace rgalign {

MixtureOfExpertsImpl::MixtureOfExpertsImpl(int64_t in_dim, int64_t hidden_dim, int64_t out_dim,
                                           int64_t experts) {
  gate_ = register_module("gate", torch::nn::Linear(in_dim, experts));
  experts_ = register_module("experts", torch::nn::ModuleList());
  for (int64_t e = 0; e < experts; ++e)
    experts_->push_back(torch::nn::Sequential(torch::nn::Linear(in_dim, hidden_dim), torch::nn::ReLU(),
                                              torch::nn::Linear(hidden_dim, out_dim)));
}

std::vector<torch::Tensor> MixtureOfExpertsImpl::stacked_weights() const {
  std::vector<torch::Tensor> w1, b1, w2, b2;
  for (const auto& e : *experts_) {
    auto seq = e->as<torch::nn::Sequential>();
    auto first = seq->ptr(0)->as<torch::nn::Linear>();
    auto last = seq->ptr(2)->as<torch::nn::Linear>();
    w1.push_back(first->weight);
    b1.push_back(first->bias);
    w2.push_back(last->weight);
    b2.push_back(last->bias);
  }
  return {gate_->weight, gate_->bias, torch::stack(w1), torch::stack(b1), torch::stack(w2), torch::stack(b2)};
}

torch::Tensor MixtureOfExpertsImpl::forward(const torch::Tensor& x) {
  auto g = torch::softmax(gate_(x), /*dim=*/-1);  // [B, E]
  std::vector<torch::Tensor> outs;
  for (const auto& e : *experts_)
    outs.push_back(e->as<torch::nn::Sequential>()->forward(x));  // [B, out] each
  auto stacked = torch::stack(outs, /*dim=*/1);                  // [B, E, out]
  return (stacked * g.unsqueeze(-1)).sum(/*dim=*/1);             // [B, out]
}

}  // namespace rgalign
