// `rgalign embed` and `rgalign generate`: a model directory (weights + optional tokenizer) as a text embedder
// and generator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rgalign/llm/decoder.h"
#include "rgalign/llm/pooling.h"
#include "rgalign/text/tokenizer.h"

namespace rgalign {

struct EmbedOptions {
  std::string model, input, out;
  std::string pooling = "last";
  int batch = 16;
  bool normalize = false;
  bool chat = false;  // wrap each text as a user turn in the model's chat format
  std::string dtype = "float32";
  std::string device = "cpu";
  int threads = 2;
  bool skip_bad = false;

  template <class V>
  void visit(V&& v) {
    v("model", model, "model directory (config.json, *.safetensors, tokenizer.json or tokenizer.model)",
      true);
    v("input", input, "JSONL: {\"text\": \"...\"} or {\"ids\": [...]} per line", true);
    v("out", out, "safetensors file to write, tensor \"embeddings\" [N, H] float32", true);
    v("pooling", pooling, "last|mean");
    v("batch", batch, "sequences per forward pass");
    v("normalize", normalize, "L2-normalise the embeddings");
    v("chat", chat, "wrap each text as a user turn in the model's chat format");
    v("dtype", dtype, "compute dtype: float32|bfloat16|float16");
    v("device", device, "cpu|cuda|cuda:N");
    v("threads", threads, "CPU threads");
    v("skip-bad", skip_bad, "skip and count malformed lines (default: strict)");
  }
};

// Returns the number of embeddings written.
int64_t run_embed(const EmbedOptions& opt);

struct GenerateCliOptions {
  std::string model, prompt;
  int max_new_tokens = 64;
  double temperature = 0.0;
  int top_k = 0;
  double top_p = 1.0;
  uint64_t seed = 0;
  bool chat = false;
  std::string dtype = "float32";
  std::string device = "cpu";
  int threads = 2;

  template <class V>
  void visit(V&& v) {
    v("model", model, "model directory", true);
    v("prompt", prompt, "prompt text", true);
    v("max-new-tokens", max_new_tokens, "tokens to generate at most");
    v("temperature", temperature, "sampling temperature (0 = greedy)");
    v("top-k", top_k, "sample among the k most likely tokens (0 = off)");
    v("top-p", top_p, "nucleus sampling mass (1 = off)");
    v("seed", seed, "sampling seed");
    v("chat", chat, "wrap the prompt as a user turn in the model's chat format");
    v("dtype", dtype, "compute dtype: float32|bfloat16|float16");
    v("device", device, "cpu|cuda|cuda:N");
    v("threads", threads, "CPU threads");
  }
};

// The generated text (stop token excluded).
std::string run_generate(const GenerateCliOptions& opt);

// Left-pads token sequences into a batch: ids, mask [B, T] int64 and positions = cumsum(mask) - 1, clamped at
// 0.
void pad_left(const std::vector<std::vector<int64_t>>& seqs, torch::Tensor& ids, torch::Tensor& mask,
              torch::Tensor& positions);
torch::ScalarType parse_dtype_flag(const std::string& name);
// "cpu", "cuda", "cuda:1"; a CUDA device without a CUDA build or GPU is an InputError naming --device.
torch::Device parse_device_flag(const std::string& name);

}  // namespace rgalign
