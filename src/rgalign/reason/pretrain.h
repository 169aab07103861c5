// `rgalign reasoner pretrain`: the built-in reasoner. A small Llama-architecture decoder with a SentencePiece
// tokenizer trained on the dataset's text (reason/corpus.h), pretrained as a causal language model and saved
// in the Hugging Face layout (config.json, model.safetensors, tokenizer.model), so the engine and
// transformers load it like any checkpoint. Deterministic for a seed on a fixed thread count.
#pragma once

#include <cstdint>
#include <string>

#include "rgalign/llm/model_config.h"

namespace rgalign {

struct ReasonerPretrainOptions {
  std::string data, out;
  uint64_t seed = 0;
  int vocab_size = 4000;
  int hidden_size = 128;
  int layers = 2;
  int heads = 4;
  int kv_heads = 2;
  int intermediate_size = 352;
  int seq_len = 256;
  int batch_size = 8;
  int steps = 500;
  double lr = 3e-3;
  double weight_decay = 0.01;
  double warmup = 0.05;
  int eval_every = 50;
  int64_t max_train_prompts = 8000;
  int64_t max_valid_prompts = 400;
  int threads = 2;
  bool skip_bad = false;

  template <class V>
  void visit(V&& v) {
    v("data", data, "dataset directory (its text is the corpus)", true);
    v("out", out, "directory to write the checkpoint to (Hugging Face layout)", true);
    v("seed", seed, "random seed");
    v("vocab-size", vocab_size, "SentencePiece vocabulary size");
    v("hidden-size", hidden_size, "model width");
    v("layers", layers, "decoder layers");
    v("heads", heads, "attention heads");
    v("kv-heads", kv_heads, "key/value heads (grouped-query attention)");
    v("intermediate-size", intermediate_size, "SwiGLU MLP width");
    v("seq-len", seq_len, "tokens per training sequence (documents are packed)");
    v("batch-size", batch_size, "sequences per step");
    v("steps", steps, "optimizer steps");
    v("lr", lr, "peak learning rate (AdamW, warm-up then cosine)");
    v("weight-decay", weight_decay, "AdamW weight decay");
    v("warmup", warmup, "share of steps with linear warm-up");
    v("eval-every", eval_every, "steps between validation perplexity measurements");
    v("max-train-prompts", max_train_prompts, "rendered training prompts in the corpus");
    v("max-valid-prompts", max_valid_prompts, "rendered validation prompts for perplexity");
    v("threads", threads, "CPU threads");
    v("skip-bad", skip_bad, "skip and count malformed lines instead of failing");
  }
};

struct ReasonerPretrainResult {
  double first_valid_ppl = 0, final_valid_ppl = 0;
  int64_t parameters = 0;
  int64_t train_tokens = 0;
  double tokens_per_s = 0;
};

ReasonerPretrainResult run_reasoner_pretrain(const ReasonerPretrainOptions& opt);

// The built-in reasoner's architecture for these options and a tokenizer of `vocab_size` pieces.
LlmConfig builtin_reasoner_config(const ReasonerPretrainOptions& opt, int64_t vocab_size);

}  // namespace rgalign
