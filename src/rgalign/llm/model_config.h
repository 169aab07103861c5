// config.json of a decoder-only checkpoint (Hugging Face layout): llama, qwen2, qwen3. Field names follow
// config.json. Unsupported values fail loudly by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rgalign/common/json_util.h"

namespace rgalign {

struct RopeScaling {
  std::string rope_type = "default";  // default | llama3
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct LlmConfig {
  std::string model_type;  // llama | qwen2 | qwen3
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;  // present in config.json or hidden_size / num_attention_heads
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v biases (qwen2 always has them)
  bool qk_norm = false;         // per-head RMSNorm on q and k (qwen3)
  std::string torch_dtype = "float32";
  std::vector<int64_t> eos_token_ids;
  int64_t bos_token_id = -1;

  // config.json as parsed (empty for a config built in code): to_json() keeps its keys that the fields above
  // do not model (pad_token_id, layer_types, ...), so a saved fine-tune is still the checkpoint it came from.
  Json source;

  static LlmConfig parse(const Json& j, const std::string& where);
  static LlmConfig load(const std::string& path);
  // The config.json transformers reads back: `source` with the fields above written over it.
  Json to_json() const;
};

}  // namespace rgalign
