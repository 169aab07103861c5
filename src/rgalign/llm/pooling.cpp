// Pooling.
#include "rgalign/llm/pooling.h"

#include "rgalign/common/error.h"

namespace rgalign {

Pooling parse_pooling(const std::string& name) {
  if (name == "last") return Pooling::kLast;
  if (name == "mean") return Pooling::kMean;
  if (name == "query") return Pooling::kQuery;
  throw InputError("--pooling", "unknown pooling \"" + name + "\"", "expected last, mean or query");
}

torch::Tensor last_real_index(const torch::Tensor& mask) {
  const int64_t T = mask.size(1);
  // The largest position holding a real token: works for left and right padding alike.
  auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kInt64).device(mask.device()))
                 .unsqueeze(0);                                  // [1, T]
  return (pos * (mask != 0).to(torch::kInt64)).amax(/*dim=*/1);  // [B]
}

torch::Tensor pool_hidden(const torch::Tensor& hidden, const torch::Tensor& mask, Pooling pooling,
                          bool l2_normalize) {
  RG_ASSERT(pooling != Pooling::kQuery, "query pooling needs the text's span: pool its mask with kMean");
  torch::Tensor out;
  if (pooling == Pooling::kLast) {
    auto idx = last_real_index(mask);                                                      // [B]
    out = hidden.index_select(1, idx).diagonal(/*offset=*/0, /*dim1=*/0, /*dim2=*/1).t();  // [B, H]
  } else {
    auto m = mask.to(hidden.scalar_type()).unsqueeze(-1);                 // [B, T, 1]
    out = (hidden * m).sum(/*dim=*/1) / m.sum(/*dim=*/1).clamp_min(1.0);  // [B, H]
  }
  if (l2_normalize)
    out = torch::nn::functional::normalize(out, torch::nn::functional::NormalizeFuncOptions().dim(-1));
  return out;
}

}  // namespace rgalign
