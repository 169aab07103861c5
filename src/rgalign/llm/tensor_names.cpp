// The tensor role table.
#include "rgalign/llm/tensor_names.h"

namespace rgalign {

std::string tensor_name(TensorRole role, int64_t layer) {
  const std::string l = "model.layers." + std::to_string(layer) + ".";
  switch (role) {
    case TensorRole::kTokenEmbedding: return "model.embed_tokens.weight";
    case TensorRole::kAttnNorm: return l + "input_layernorm.weight";
    case TensorRole::kAttnQ: return l + "self_attn.q_proj.weight";
    case TensorRole::kAttnK: return l + "self_attn.k_proj.weight";
    case TensorRole::kAttnV: return l + "self_attn.v_proj.weight";
    case TensorRole::kAttnOut: return l + "self_attn.o_proj.weight";
    case TensorRole::kAttnQBias: return l + "self_attn.q_proj.bias";
    case TensorRole::kAttnKBias: return l + "self_attn.k_proj.bias";
    case TensorRole::kAttnVBias: return l + "self_attn.v_proj.bias";
    case TensorRole::kAttnQNorm: return l + "self_attn.q_norm.weight";
    case TensorRole::kAttnKNorm: return l + "self_attn.k_norm.weight";
    case TensorRole::kFfnNorm: return l + "post_attention_layernorm.weight";
    case TensorRole::kFfnGate: return l + "mlp.gate_proj.weight";
    case TensorRole::kFfnUp: return l + "mlp.up_proj.weight";
    case TensorRole::kFfnDown: return l + "mlp.down_proj.weight";
    case TensorRole::kOutputNorm: return "model.norm.weight";
    case TensorRole::kOutput: return "lm_head.weight";
  }
  return "?";
}

bool tensor_present(TensorRole role, const LlmConfig& c) {
  switch (role) {
    case TensorRole::kAttnQBias:
    case TensorRole::kAttnKBias:
    case TensorRole::kAttnVBias: return c.attention_bias;
    case TensorRole::kAttnQNorm:
    case TensorRole::kAttnKNorm: return c.qk_norm;
    case TensorRole::kOutput: return !c.tie_word_embeddings;
    default: return true;
  }
}

std::vector<int64_t> tensor_shape(TensorRole role, const LlmConfig& c) {
  const int64_t q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim;
  switch (role) {
    case TensorRole::kTokenEmbedding:
    case TensorRole::kOutput: return {c.vocab_size, c.hidden_size};
    case TensorRole::kAttnNorm:
    case TensorRole::kFfnNorm:
    case TensorRole::kOutputNorm: return {c.hidden_size};
    case TensorRole::kAttnQ: return {q, c.hidden_size};
    case TensorRole::kAttnK:
    case TensorRole::kAttnV: return {kv, c.hidden_size};
    case TensorRole::kAttnOut: return {c.hidden_size, q};
    case TensorRole::kAttnQBias: return {q};
    case TensorRole::kAttnKBias:
    case TensorRole::kAttnVBias: return {kv};
    case TensorRole::kAttnQNorm:
    case TensorRole::kAttnKNorm: return {c.head_dim};
    case TensorRole::kFfnGate:
    case TensorRole::kFfnUp: return {c.intermediate_size, c.hidden_size};
    case TensorRole::kFfnDown: return {c.hidden_size, c.intermediate_size};
  }
  return {};
}

}  // namespace rgalign
