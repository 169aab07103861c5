// The production user tower: its fused inference pass (rank/user_tower_kernel.h) against the module path.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "rgalign/rank/user_tower.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

RankBatch random_requests(const RankerConfig& c, int64_t B) {
  RankBatch b;
  std::vector<torch::Tensor> cols;
  for (int64_t card : c.single_cardinalities) cols.push_back(torch::randint(card, {B}, torch::kInt64));
  b.single = torch::stack(cols, 1);  // [B, S]
  const auto M = static_cast<int64_t>(c.multi_cardinalities.size());
  cols.clear();
  for (int64_t card : c.multi_cardinalities) cols.push_back(torch::randint(card, {B, 4}, torch::kInt64));
  b.multi = M > 0 ? torch::stack(cols, 1) : torch::zeros({B, 0, 4}, torch::kInt64);  // [B, M, 4]
  b.multi_mask = (torch::rand({B, M, 4}) < 0.6).to(torch::kFloat32);                 // [B, M, 4]
  if (M > 0) b.multi_mask[0].zero_();  // a request without any multi-valued value
  return b;
}

TEST(UserTower, FusedInferenceEqualsTheModulePath) {
  // No, one and two AutoInt layers; with and without multi-valued fields; sizes that are not multiples of the
  // kernel's unrolling; more requests than one chunk of the experts' pass.
  for (int64_t layers : {0, 1, 2})
    for (bool multi : {true, false}) {
      RankerConfig c;
      c.single_cardinalities = {3, 5, 7, 4};
      if (multi) c.multi_cardinalities = {6, 9};
      c.embed_dim = 6;
      c.attn_layers = layers;
      c.attn_heads = 2;
      c.attn_dim = 5;
      c.hidden_dim = 11;
      c.tower_dim = 7;
      c.experts = 3;
      torch::manual_seed(11);
      UserTower tower(c);
      torch::NoGradGuard g;
      for (auto& p : tower->parameters()) p.add_(torch::randn_like(p) * 0.3);  // away from symmetric values
      tower->eval();
      // 37 requests: more than one chunk of the experts' pass; 3: what forward runs fused.
      RankBatch b = random_requests(c, 37);
      auto compare = [&](const std::string& what) {
        tower->set_fused_inference(false);
        const auto modules = tower->forward(b);  // [37, 7]
        tower->set_fused_inference(true);
        const auto fused = tower->forward_fused(b);
        EXPECT_EQ(fused.sizes(), modules.sizes());
        EXPECT_LT((fused - modules).abs().max().item<float>(), 1e-5f) << what << layers << " " << multi;
        EXPECT_GT(modules.std().item<float>(), 1e-3f);  // the outputs differ: a real comparison
        RankBatch few = b;
        few.single = b.single.narrow(0, 0, 3);
        few.multi = b.multi.narrow(0, 0, 3);
        few.multi_mask = b.multi_mask.narrow(0, 0, 3);
        EXPECT_TRUE(torch::equal(tower->forward(few), tower->forward_fused(few)));  // forward runs it fused
        EXPECT_LT((tower->forward(few) - modules.narrow(0, 0, 3)).abs().max().item<float>(), 1e-5f);
      };
      compare("fresh ");
      // The fused pass lays the weights out once per weight version; an update must reach it.
      for (auto& p : tower->parameters()) p.mul_(1.5);
      compare("after an update ");
      b.single[3][2] = 1000;  // past the embedding table
      EXPECT_NE(test::error_of([&] { tower->forward_fused(b); }).find("field id outside the embedding table"),
                std::string::npos);
    }
}

}  // namespace
}  // namespace rgalign
