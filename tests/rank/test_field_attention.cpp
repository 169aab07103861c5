// AutoInt's fused field attention (rank/field_attention.h): values and gradients against the module path.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "rgalign/rank/autoint.h"
#include "rgalign/rank/field_attention.h"

namespace rgalign {
namespace {

// The module path's definition: qkv [B, F, 3 H d] -> [B, F, H d].
torch::Tensor field_attention_reference(const torch::Tensor& qkv, int64_t H, int64_t d) {
  const int64_t B = qkv.size(0), F = qkv.size(1);
  auto parts = qkv.view({B, F, 3, H, d}).permute({2, 0, 3, 1, 4});  // [3, B, H, F, d]
  auto att = torch::softmax(torch::matmul(parts[0], parts[1].transpose(-1, -2)) / std::sqrt(double(d)), -1);
  return torch::matmul(att, parts[2]).transpose(1, 2).reshape({B, F, H * d});
}

float field_max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<float>();
}

TEST(FieldAttention, ValuesAndGradientsMatchTheModulePath) {
  // Sizes off the vector width (tails) and the production tower's (45 fields, 2 heads of 16).
  for (auto [B, F, H, d] : std::vector<std::array<int64_t, 4>>{{3, 7, 2, 5}, {9, 45, 2, 16}, {1, 1, 1, 3}}) {
    torch::manual_seed(B * 100 + F);
    auto base = torch::randn({B, F, 3 * H * d}) * 1.5;
    auto weights = torch::randn({B, F, H * d});  // a loss that weighs every output differently
    auto a = base.clone().requires_grad_(true), r = base.clone().requires_grad_(true);
    auto fused = field_attention_fused(a, H, d), reference = field_attention_reference(r, H, d);
    ASSERT_EQ(fused.sizes(), reference.sizes());
    EXPECT_LT(field_max_diff(fused, reference), 1e-5f) << F;
    (fused * weights).sum().backward();
    (reference * weights).sum().backward();
    EXPECT_LT(field_max_diff(a.grad(), r.grad()), 1e-5f) << F;
    EXPECT_GT(a.grad().abs().sum().item<float>(), 0.f);
    c10::InferenceMode guard;  // evaluation and serving: no graph, nothing saved
    EXPECT_LT(field_max_diff(field_attention_fused(base, H, d), reference.detach()), 1e-5f) << F;
  }
}

TEST(FieldAttention, AutoIntLayerTrainsTheSameEitherWay) {
  torch::manual_seed(4);
  AutoIntLayer layer(12, 2, 8);
  auto x = torch::randn({5, 9, 12});
  auto run = [&](bool fused) {
    set_field_attention_fused(fused);
    layer->zero_grad();
    auto y = layer->forward(x);
    (y * y).sum().backward();
    set_field_attention_fused(true);
    std::vector<torch::Tensor> out = {y.detach()};
    for (const auto& p : layer->parameters()) out.push_back(p.grad().clone());
    return out;
  };
  const auto fused = run(true), modules = run(false);
  for (size_t i = 0; i < fused.size(); ++i) EXPECT_LT(field_max_diff(fused[i], modules[i]), 1e-4f) << i;
}

}  // namespace
}  // namespace rgalign
