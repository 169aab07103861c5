// Text generation with a KV cache: greedy, temperature, top-k and top-p sampling with a seed, stop tokens.
#pragma once

#include <cstdint>
#include <vector>

#include "rgalign/llm/decoder.h"

namespace rgalign {

struct GenerationOptions {
  int max_new_tokens = 32;
  double temperature = 0.0;  // 0 = greedy
  int top_k = 0;             // 0 = off
  double top_p = 1.0;        // 1 = off
  uint64_t seed = 0;
  std::vector<int64_t> stop_tokens;  // generation of a row ends after it emits one of these
  // Whether pooled_mean is computed: it needs every prompt position's final state. Without it the prompt's
  // last layer runs at its last position alone (Decoder::forward's last_positions) and pooled_mean is NaN.
  bool pooled_mean = true;
};

struct GenerationResult {
  std::vector<std::vector<int64_t>> tokens;  // new tokens per prompt (a stop token, when hit, included)
  torch::Tensor last_hidden;                 // [B, H] final hidden state of each row's last token
  // Pooled over the prompt and the generated tokens without a final stop token, from the states computed
  // while generating (no second pass): [B, H] the last such token's state and [B, H] their mean; [B, H] the
  // mean over the generated tokens alone (the prompt's last state for a row that generated none). The mean is
  // NaN when GenerationOptions::pooled_mean is off.
  torch::Tensor pooled_last, pooled_mean, pooled_query;
};

// Prompts of different lengths are left-padded into one batch; each row decodes until it stops or reaches
// max_new_tokens.
GenerationResult generate(Decoder& model, const std::vector<std::vector<int64_t>>& prompts,
                          const GenerationOptions& opt);

}  // namespace rgalign
