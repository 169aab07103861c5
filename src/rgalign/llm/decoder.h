// The decoder-only transformer of Llama / Qwen2 / Qwen3 checkpoints: token embedding, RMSNorm, rotary
// embeddings (Hugging Face rotate-half convention, default and llama3 frequencies), grouped-query attention
// with optional q/k/v biases (Qwen2) and per-head q/k RMSNorm (Qwen3), SwiGLU MLP, final norm, tied or untied
// LM head. One struct of hyperparameters; absent tensors mean "this architecture has none".
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rgalign/llm/attention_kernel.h"
#include "rgalign/llm/model_config.h"
#include "rgalign/llm/tensor_names.h"

namespace rgalign {

// Keys and values of past positions, per layer: buffers [B, n_kv_heads, C, head_dim] whose first `len`
// positions are filled. Set `capacity` before the first forward to the whole sequence's length (prompt plus
// generated tokens) and every step writes in place; a buffer that runs out of room doubles.
struct KvCache {
  std::vector<torch::Tensor> k, v;
  int64_t len = 0;
  int64_t capacity = 0;
  int64_t length() const { return len; }
};

// LoRA (Hu et al. 2021): W x + (alpha / r) B A dropout(x) on the chosen projections, A [r, in] random, B
// [out, r] zero, so a fresh adapter leaves the model unchanged.
struct LoraConfig {
  int64_t rank = 8;
  double alpha = 16.0;
  double dropout = 0.0;
  std::vector<TensorRole> targets = {TensorRole::kAttnQ,   TensorRole::kAttnK,   TensorRole::kAttnV,
                                     TensorRole::kAttnOut, TensorRole::kFfnGate, TensorRole::kFfnUp,
                                     TensorRole::kFfnDown};
};

class Decoder : public torch::nn::Module {
 public:
  // Random weights (normal, std 0.02; norms 1), e.g. for the built-in reasoner before pretraining.
  explicit Decoder(LlmConfig cfg, uint64_t seed = 0);
  // A Hugging Face model directory: config.json and model.safetensors or model.safetensors.index.json shards.
  // Weights are converted to `dtype`. Every missing, unexpected or mis-shaped tensor is reported at once.
  static std::shared_ptr<Decoder> load(const std::string& dir, torch::ScalarType dtype = torch::kFloat32);
  // Writes config.json and model.safetensors (atomically) in the same layout.
  void save(const std::string& dir) const;

  const LlmConfig& config() const { return cfg_; }
  // The tensor of a role (undefined when the architecture has none). Tied heads return the embedding.
  torch::Tensor weight(TensorRole role, int64_t layer = 0) const;

  // ids [B, T] int64; mask [B, S + T] (1 = real token, covering cached and new positions); positions [B, T].
  // Returns the final-normed hidden states [B, T, H]. With `cache`, keys and values of the new positions are
  // appended to it. `hidden_states` (optional) receives the embedding output and every layer's output, the
  // last one final-normed, as transformers' output_hidden_states.
  // last_positions k in (0, T): only the last k positions' states are returned, [B, k, H], equal to those
  // rows of the full result; the last layer then runs its queries, attention output and MLP at those k
  // positions alone (keys and values everywhere). 0 (or >= T): every position. Not with `hidden_states`.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& positions,
                        KvCache* cache = nullptr, std::vector<torch::Tensor>* hidden_states = nullptr,
                        int64_t last_positions = 0);
  // The same from input embeddings x [B, T, H] (e.g. token embeddings with NEFTune noise added).
  torch::Tensor forward_embeds(torch::Tensor x, const torch::Tensor& mask, const torch::Tensor& positions,
                               KvCache* cache = nullptr, std::vector<torch::Tensor>* hidden_states = nullptr,
                               int64_t last_positions = 0);
  // LM-head logits for hidden states [..., H] -> [..., V].
  torch::Tensor logits(const torch::Tensor& hidden) const;
  torch::Tensor embed(const torch::Tensor& ids) const;  // [B, T] -> [B, T, H]

  // Adds LoRA adapters and freezes every base weight: only adapter parameters train afterwards.
  void enable_lora(const LoraConfig& cfg, uint64_t seed = 0);
  // Folds the adapters into the base weights (W += alpha/r B A) and removes them; the model can then be saved
  // in the plain Hugging Face layout.
  void merge_lora();
  bool has_lora() const { return !lora_.empty(); }
  // Without gradients on the CPU in float32, attention runs the fused kernel (llm/attention_kernel.h); false
  // keeps the module path everywhere (tests and benchmarks compare the two).
  void set_fused_attention(bool on) { fused_attention_ = on; }
  std::vector<torch::Tensor> lora_parameters() const;

 private:
  struct Adapter {
    torch::Tensor a, b;  // [r, in], [out, r]
  };
  torch::Tensor project(const torch::Tensor& x, TensorRole role, int64_t layer, TensorRole bias_role) const;
  torch::Tensor& slot(TensorRole role, int64_t layer);
  void create_slot(TensorRole role, int64_t layer, torch::Tensor value);
  // x [B, T, H] -> [B, Tq, H], the attention output at the last Tq = `queries` positions (every position's
  // keys and values are computed and cached). allowed [B, 1, T, S]: which keys each query may attend to
  // (module path); with `fused`, the fused CPU kernel applies the same rule from the mask and `allowed` is
  // unused.
  torch::Tensor attention(const torch::Tensor& x, int64_t layer, const torch::Tensor& cos,
                          const torch::Tensor& sin, const torch::Tensor& allowed, const FusedKeyMask* fused,
                          KvCache* cache, int64_t queries);
  std::pair<torch::Tensor, torch::Tensor> rope(const torch::Tensor& positions) const;

  LlmConfig cfg_;
  std::map<std::pair<int, int64_t>, torch::Tensor> weights_;  // (role, layer) -> tensor
  torch::Tensor inv_freq_;                                    // [head_dim / 2]
  std::map<std::pair<int, int64_t>, Adapter> lora_;           // (role, layer) -> adapter
  double lora_scale_ = 0.0;
  double lora_dropout_ = 0.0;
  bool fused_attention_ = true;
};

// RMSNorm as Hugging Face computes it: in float32, then back to the input dtype. x [..., D], w [D].
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& w, double eps);
// Rotary inverse frequencies for a config (default or llama3 scaling): [head_dim / 2] float32.
torch::Tensor rope_inv_freq(const LlmConfig& c);

}  // namespace rgalign
