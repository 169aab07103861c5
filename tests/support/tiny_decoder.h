// A small random decoder config with grouped-query attention (4 query heads over 2 kv heads) and Qwen3's
// per-head q/k norms, for tests of the decoder, generation and LoRA.
#pragma once

#include "rgalign/llm/model_config.h"

namespace rgalign::test {

inline LlmConfig tiny_gqa_config() {
  LlmConfig c;
  c.model_type = "qwen3";
  c.vocab_size = 50;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 8;
  c.qk_norm = true;
  c.tie_word_embeddings = true;
  return c;
}

}  // namespace rgalign::test
