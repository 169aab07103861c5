// Batched generation.
#include "rgalign/llm/generate.h"

#include <algorithm>
#include <limits>

#include "rgalign/common/error.h"
#include "rgalign/llm/embedder.h"

namespace rgalign {

namespace {

// Next tokens [B] from logits [B, V].
torch::Tensor pick(const torch::Tensor& logits, const GenerationOptions& opt, torch::Generator& gen) {
  if (opt.temperature <= 0) return logits.argmax(/*dim=*/-1);
  auto l = logits.to(torch::kFloat32) / opt.temperature;  // [B, V]
  if (opt.top_k > 0 && opt.top_k < l.size(-1)) {
    auto kth = std::get<0>(l.topk(opt.top_k, /*dim=*/-1)).select(-1, opt.top_k - 1).unsqueeze(-1);  // [B, 1]
    l = l.masked_fill(l < kth, -std::numeric_limits<float>::infinity());
  }
  if (opt.top_p < 1.0) {
    auto sorted = l.sort(/*dim=*/-1, /*descending=*/true);
    auto probs = torch::softmax(std::get<0>(sorted), -1);
    auto cum = probs.cumsum(-1);
    auto drop = (cum - probs) > opt.top_p;  // keep the smallest prefix whose mass reaches top_p
    auto drop_orig = torch::zeros_like(drop).scatter(-1, std::get<1>(sorted), drop);
    l = l.masked_fill(drop_orig, -std::numeric_limits<float>::infinity());
  }
  // Sampled on the CPU with the seeded generator, so a seed gives the same tokens on every device.
  return torch::multinomial(torch::softmax(l, -1).to(torch::kCPU), 1, /*replacement=*/false, gen)
      .squeeze(-1)
      .to(logits.device());
}

}  // namespace

GenerationResult generate(Decoder& model, const std::vector<std::vector<int64_t>>& prompts,
                          const GenerationOptions& opt) {
  if (prompts.empty()) return {};
  if (opt.max_new_tokens < 0) throw InputError("--max-new-tokens", "must be >= 0");
  if (!(opt.top_p > 0 && opt.top_p <= 1)) throw InputError("--top-p", "must be in (0, 1]");
  c10::InferenceMode guard;
  const auto B = static_cast<int64_t>(prompts.size());
  for (const auto& p : prompts)
    if (p.empty()) throw InputError("prompt", "empty prompt");
  const auto device = model.weight(TensorRole::kTokenEmbedding).device();
  const int64_t vocab = model.config().vocab_size;
  for (const auto& p : prompts)
    for (int64_t id : p)
      if (id < 0 || id >= vocab)
        throw InputError("prompt", "token id " + std::to_string(id) + " outside the vocabulary");
  torch::Tensor ids, mask, positions;
  pad_left(prompts, ids, mask, positions);  // [B, T] each, left padding
  ids = ids.to(device);
  mask = mask.to(device);
  positions = positions.to(device);
  torch::Generator gen = at::detail::createCPUGenerator(opt.seed);
  const int64_t T = ids.size(1);
  KvCache cache;
  cache.capacity = T + opt.max_new_tokens;
  // The mask of every position the generation can reach; each step uses its first S columns.
  auto full_mask = torch::ones({B, cache.capacity}, mask.options());  // [B, T + max_new]
  full_mask.narrow(1, 0, T).copy_(mask);
  // Left padding: every row's last prompt token is at column T - 1.
  auto hidden = model.forward(ids, mask, positions, &cache, nullptr,
                              opt.pooled_mean ? 0 : 1);  // [B, T, H], or [B, 1, H] without the mean
  const auto prompt_last = hidden.select(1, hidden.size(1) - 1);  // [B, H]
  GenerationResult r;
  r.tokens.assign(static_cast<size_t>(B), {});
  r.last_hidden = prompt_last;                           // [B, H]
  r.pooled_last = prompt_last.clone();                   // [B, H]
  torch::Tensor pooled_sum, pooled_n;                    // [B, H], [B, 1]: over prompt and kept tokens
  if (opt.pooled_mean) {
    auto mf = mask.to(hidden.scalar_type()).unsqueeze(-1);  // [B, T, 1]
    pooled_sum = (hidden * mf).sum(1);
    pooled_n = mf.sum(1);
  } else {
    pooled_sum = torch::zeros_like(r.last_hidden);
    pooled_n = torch::zeros({B, 1}, hidden.options());
  }
  const auto prompt_sum = pooled_sum, prompt_n = pooled_n;  // the generated tokens add the rest
  std::vector<bool> done(static_cast<size_t>(B), false);
  auto next_pos = positions.select(1, T - 1) + 1;  // [B]
  for (int step = 0; step < opt.max_new_tokens; ++step) {
    auto next = pick(model.logits(r.last_hidden), opt, gen);  // [B]
    auto next_cpu = next.to(torch::kCPU, torch::kInt64).contiguous();
    const int64_t* tokens = next_cpu.data_ptr<int64_t>();
    std::vector<uint8_t> emitted(static_cast<size_t>(B), 0);
    std::vector<float> kept(static_cast<size_t>(B), 0.f);  // emitted and not a stop token
    for (int64_t b = 0; b < B; ++b) {
      if (done[static_cast<size_t>(b)]) continue;
      emitted[static_cast<size_t>(b)] = 1;
      const int64_t tok = tokens[b];
      r.tokens[static_cast<size_t>(b)].push_back(tok);
      if (std::find(opt.stop_tokens.begin(), opt.stop_tokens.end(), tok) != opt.stop_tokens.end())
        done[static_cast<size_t>(b)] = true;
      else
        kept[static_cast<size_t>(b)] = 1.f;
    }
    // Feeding the new tokens gives each row's hidden state at its last generated token (the pooled embedding)
    // and extends the cache for the next step. Rows that stopped earlier keep the state of their stop token.
    auto step_mask = full_mask.narrow(1, 0, cache.len + 1);                               // [B, S+1]
    auto h = model.forward(next.unsqueeze(1), step_mask, next_pos.unsqueeze(1), &cache);  // [B, 1, H]
    auto hs = h.select(1, 0);                                                             // [B, H]
    auto emit =
        torch::from_blob(emitted.data(), {B, 1}, torch::kUInt8).to(hs.device(), torch::kBool);  // [B, 1]
    auto keep = torch::from_blob(kept.data(), {B, 1}, torch::kFloat32)
                    .to(hs.device(), hs.scalar_type(), false, /*copy=*/true);
    r.last_hidden = torch::where(emit, hs, r.last_hidden);
    r.pooled_last = torch::where(keep > 0, hs, r.pooled_last);
    pooled_sum = pooled_sum + hs * keep;
    pooled_n = pooled_n + keep;
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    next_pos = next_pos + 1;
  }
  r.pooled_mean = opt.pooled_mean ? pooled_sum / pooled_n.clamp_min(1)
                                  : torch::full_like(pooled_sum, std::numeric_limits<float>::quiet_NaN());
  const auto query_n = pooled_n - prompt_n;                                  // [B, 1]
  const auto query_mean = (pooled_sum - prompt_sum) / query_n.clamp_min(1);  // [B, H]
  r.pooled_query = torch::where(query_n > 0, query_mean, prompt_last);
  return r;
}

}  // namespace rgalign
