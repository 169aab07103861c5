// Ranking losses against hand-computed values.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "rgalign/rank/losses.h"

namespace rgalign {
namespace {

TEST(Losses, ListNetHandChecked) {
  // Request 1: logits [0, ln 3] (softmax 1/4, 3/4), click on the second -> -ln(3/4).
  // Request 2: logits [0, 0, pad] with clicks on both -> -(1/2 ln 1/2 + 1/2 ln 1/2) = ln 2.
  // Request 3: no click -> excluded from the mean.
  auto logits = torch::tensor({{0.0f, std::log(3.0f), 0.0f}, {0.0f, 0.0f, 5.0f}, {1.0f, 2.0f, 3.0f}});
  auto labels = torch::tensor({{0.0f, 1.0f, 0.0f}, {1.0f, 1.0f, 0.0f}, {0.0f, 0.0f, 0.0f}});
  auto mask = torch::tensor({{true, true, false}, {true, true, false}, {true, true, true}});
  const double expected = (-std::log(0.75) + std::log(2.0)) / 2;
  EXPECT_NEAR(listnet_loss(logits, labels, mask).item<double>(), expected, 1e-6);
}

TEST(Losses, BceHandChecked) {
  auto logits = torch::tensor({{0.0f, 2.0f}});
  auto labels = torch::tensor({{1.0f, 0.0f}});
  auto mask = torch::tensor({{true, true}});
  const double expected = (std::log(2.0) + std::log(1 + std::exp(2.0))) / 2;
  EXPECT_NEAR(bce_loss(logits, labels, mask).item<double>(), expected, 1e-6);
}

TEST(Losses, KlIsZeroAtTheReferenceAndPositiveAway) {
  auto mask = torch::tensor({{true, true, false}});
  auto ref = torch::tensor({{0.0f, std::log(3.0f), -7.0f}});
  EXPECT_NEAR(kl_to_reference(ref + 1.0f, ref, mask).item<double>(), 0.0, 1e-6);  // shift-invariant
  // KL([1/4, 3/4] || [1/2, 1/2]) = 1/4 ln(1/2) + 3/4 ln(3/2)
  auto uniform = torch::zeros({1, 3});
  EXPECT_NEAR(kl_to_reference(uniform, ref, mask).item<double>(), 0.25 * std::log(0.5) + 0.75 * std::log(1.5),
              1e-6);
}

TEST(Losses, GradientsFlowOnlyToRealCandidates) {
  auto logits = torch::tensor({{0.5f, -0.5f, 3.0f}}, torch::requires_grad());
  auto labels = torch::tensor({{1.0f, 0.0f, 0.0f}});
  auto mask = torch::tensor({{true, true, false}});
  listnet_loss(logits, labels, mask).backward();
  EXPECT_EQ(logits.grad()[0][2].item<float>(), 0.0f);
  EXPECT_LT(logits.grad()[0][0].item<float>(), 0.0f);
}

}  // namespace
}  // namespace rgalign
