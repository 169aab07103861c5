// Embedding texts after shared prompts.
#include "rgalign/llm/shared_prompt.h"

#include <algorithm>
#include <limits>

#include "rgalign/common/error.h"
#include "rgalign/llm/embedder.h"

namespace rgalign {

ContinuedPoolings embed_after_shared_prompts(Decoder& model, const std::vector<std::vector<int64_t>>& prompts,
                                             const std::vector<int64_t>& row_prompt,
                                             const std::vector<std::vector<int64_t>>& row_texts, bool mean) {
  RG_ASSERT(row_prompt.size() == row_texts.size(), "one prompt index per row");
  c10::InferenceMode guard;
  const auto device = model.weight(TensorRole::kTokenEmbedding).device();
  const auto K = static_cast<int64_t>(prompts.size()), R = static_cast<int64_t>(row_texts.size());
  for (const auto& p : prompts) RG_ASSERT(!p.empty(), "a shared prompt is empty");
  for (int64_t k : row_prompt) RG_ASSERT(k >= 0 && k < K, "row's prompt index out of range");

  // The prompts, once each: their keys and values, their last states and the sums the mean pools.
  torch::Tensor pid, pmask, ppos;
  pad_left(prompts, pid, pmask, ppos);  // [K, P] each, left padding
  pmask = pmask.to(device);
  const int64_t P = pid.size(1);
  KvCache prompt_cache;
  prompt_cache.capacity = P;
  auto ph = model.forward(pid.to(device), pmask, ppos.to(device), &prompt_cache, nullptr,
                          mean ? 0 : 1);               // [K, P, H], or [K, 1, H] without the mean
  auto pm = pmask.to(ph.scalar_type()).unsqueeze(-1);  // [K, P, 1]
  auto prompt_n = pm.sum(/*dim=*/1);                   // [K, 1]
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto prompt_sum =
      mean ? (ph * pm).sum(/*dim=*/1) : torch::full({K, ph.size(2)}, nan, ph.options());  // [K, H]
  // [K, H]: left padding puts every prompt's last token last
  auto prompt_last = ph.select(1, ph.size(1) - 1);

  auto rows = torch::tensor(row_prompt, torch::kInt64).to(device);  // [R]
  ContinuedPoolings out;
  out.last = prompt_last.index_select(0, rows);                                  // [R, H]
  out.mean = prompt_sum.index_select(0, rows) / prompt_n.index_select(0, rows);  // [R, H]
  out.query = out.last.clone();                                                  // [R, H]

  // The rows with a text continue their prompt's cache; an empty text leaves the prompt's poolings.
  std::vector<int64_t> texted;
  std::vector<std::vector<int64_t>> texts;
  for (int64_t r = 0; r < R; ++r)
    if (!row_texts[static_cast<size_t>(r)].empty()) {
      texted.push_back(r);
      texts.push_back(row_texts[static_cast<size_t>(r)]);
    }
  if (texted.empty()) return out;
  auto trow = torch::tensor(texted, torch::kInt64).to(device);  // [R']
  auto tprompt = rows.index_select(0, trow);                    // [R']: each texted row's prompt
  torch::Tensor tid, tmask, tpos;
  pad_left(texts, tid, tmask, tpos);  // [R', T] each, left padding
  tmask = tmask.to(device);
  const int64_t T = tid.size(1), Rt = static_cast<int64_t>(texted.size());
  KvCache cache;
  cache.len = P;
  cache.capacity = P + T;
  auto grow = [&](const torch::Tensor& src) {  // [K, nkv, P, hd] -> [R', nkv, P + T, hd]
    auto buf = torch::empty({Rt, src.size(1), P + T, src.size(3)}, src.options());
    buf.narrow(2, 0, P).copy_(src.narrow(2, 0, P).index_select(0, tprompt));
    return buf;
  };
  for (size_t l = 0; l < prompt_cache.k.size(); ++l) {
    cache.k.push_back(grow(prompt_cache.k[l]));
    cache.v.push_back(grow(prompt_cache.v[l]));
  }
  // Keys: the prompt's (its left padding masked) then the text's (its own left padding masked); the text's
  // positions continue the prompt's real tokens.
  auto mask = torch::cat({pmask.index_select(0, tprompt), tmask}, /*dim=*/1);  // [R', P + T]
  auto plen = prompt_n.index_select(0, tprompt).to(torch::kInt64);             // [R', 1]
  auto pos = plen + tpos.to(device);                                           // [R', T]
  auto th = model.forward(tid.to(device), mask, pos, &cache);                  // [R', T, H]
  auto tm = tmask.to(th.scalar_type()).unsqueeze(-1);                          // [R', T, 1]
  auto text_sum = (th * tm).sum(/*dim=*/1);                                    // [R', H]
  auto text_n = tm.sum(/*dim=*/1);                                             // [R', 1]
  out.last.index_copy_(0, trow, th.select(1, T - 1));
  out.query.index_copy_(0, trow, text_sum / text_n);
  out.mean.index_copy_(
      0, trow,
      (prompt_sum.index_select(0, tprompt) + text_sum) / (prompt_n.index_select(0, tprompt) + text_n));
  return out;
}

}  // namespace rgalign
