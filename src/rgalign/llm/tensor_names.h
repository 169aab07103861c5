// Checkpoint tensor names, declared once: a role per tensor and one function that formats its Hugging Face
// name (as llama.cpp's LLM_TN), plus the shape and presence each role has under a config.
#pragma once

#include <string>
#include <vector>

#include "rgalign/llm/model_config.h"

namespace rgalign {

enum class TensorRole {
  kTokenEmbedding,  // model.embed_tokens.weight
  kAttnNorm,        // model.layers.{i}.input_layernorm.weight
  kAttnQ,
  kAttnK,
  kAttnV,
  kAttnOut,
  kAttnQBias,
  kAttnKBias,
  kAttnVBias,
  kAttnQNorm,
  kAttnKNorm,
  kFfnNorm,  // post_attention_layernorm
  kFfnGate,
  kFfnUp,
  kFfnDown,
  kOutputNorm,  // model.norm.weight
  kOutput,      // lm_head.weight
};

constexpr TensorRole kLayerRoles[] = {TensorRole::kAttnNorm,  TensorRole::kAttnQ,     TensorRole::kAttnK,
                                      TensorRole::kAttnV,     TensorRole::kAttnOut,   TensorRole::kAttnQBias,
                                      TensorRole::kAttnKBias, TensorRole::kAttnVBias, TensorRole::kAttnQNorm,
                                      TensorRole::kAttnKNorm, TensorRole::kFfnNorm,   TensorRole::kFfnGate,
                                      TensorRole::kFfnUp,     TensorRole::kFfnDown};
constexpr TensorRole kGlobalRoles[] = {TensorRole::kTokenEmbedding, TensorRole::kOutputNorm,
                                       TensorRole::kOutput};

// "model.layers.3.self_attn.q_proj.weight"; layer is ignored for global roles.
std::string tensor_name(TensorRole role, int64_t layer = 0);
// Whether the architecture has this tensor (nullptr-free structs: absent means "has none").
bool tensor_present(TensorRole role, const LlmConfig& c);
std::vector<int64_t> tensor_shape(TensorRole role, const LlmConfig& c);

}  // namespace rgalign
