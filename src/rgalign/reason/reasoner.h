// The reasoner as QE-Rec uses it: a decoder checkpoint (the built-in one or any Llama/Qwen2/Qwen3 directory)
// that turns prompts into latent queries. A latent query is the prompt, optionally followed by a short
// generated text (greedy, `max_new_tokens`), run through the model; its final-layer hidden states give the
// last-token and the mean-pooled embedding in one forward pass. Results go through a LatentCache.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "rgalign/llm/chat_format.h"
#include "rgalign/llm/decoder.h"
#include "rgalign/llm/pooling.h"
#include "rgalign/reason/latent_cache.h"
#include "rgalign/text/tokenizer.h"

namespace rgalign {

struct LatentQueryOptions {
  int max_new_tokens = 0;        // 0: the prompt alone is embedded (no text generated)
  int batch = 32;                // prompts per forward pass
  int max_prompt_tokens = 1024;  // longer prompts keep their last tokens
  // Whether the mean pooling is computed: it reads every prompt position's final state. Off (a reader of the
  // last-token or query pooling), the last layer runs at the positions those read alone, and `mean` is NaN;
  // such entries have their own cache key (latent_key's with_mean).
  bool mean = true;
};

struct LatentQueries {
  // [N, H] float32 each: last-token, mean (NaN when not asked) and query pooling
  torch::Tensor last, mean, query;
  // The embeddings of `pooling` (llm/pooling.h).
  const torch::Tensor& pooled(Pooling pooling) const {
    return pooling == Pooling::kLast ? last : pooling == Pooling::kMean ? mean : query;
  }
  std::vector<std::string> texts;    // generated latent-query text per prompt ("" without generation)
  int64_t computed = 0, cached = 0;  // how many came from the model and from the cache
};

class Reasoner {
 public:
  // A model directory with config.json, weights and tokenizer.json or tokenizer.model.
  static std::unique_ptr<Reasoner> load(const std::string& dir, const std::string& device = "cpu");

  const std::string& dir() const { return dir_; }
  // SHA-256 over config.json, the weight files and the tokenizer files: what latent keys are made of.
  const std::string& checkpoint_hash() const { return hash_; }
  int64_t hidden_size() const { return model_->config().hidden_size; }
  Decoder& model() { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // The text fed to the model for a user message: wrapped in the model's chat format when it has one, after
  // the system message when one is given (without a chat format the system message is not used).
  std::string format(const std::string& user_message, const std::string& system = "") const;
  bool has_chat_format() const { return chat_ != ChatFormat::kNone; }

  // Latent queries of user messages (prompts or intent texts); each goes through `cache` when given: hits are
  // copied, misses computed in batches and added. Logs a progress line with requests/s when `label` is set.
  LatentQueries embed(const std::vector<std::string>& messages, const LatentQueryOptions& opt,
                      LatentCache* cache, const std::string& label = "");

  // Token ids of a user message as the model reads it: chat-formatted, BOS for Llama, cut to its last
  // `max_prompt_tokens` tokens. Throws InputError on ids outside the vocabulary.
  std::vector<int64_t> prompt_ids(const std::string& user_message, int max_prompt_tokens = 1024,
                                  const std::string& system = "") const;
  // Token ids of a latent-query text that follows a prompt (no BOS).
  std::vector<int64_t> text_ids(const std::string& text) const;
  // Tokens that end a generated latent query (EOS and the chat format's end-of-turn tokens).
  const std::vector<int64_t>& stop_tokens() const { return stop_tokens_; }
  // Embeddings of prompts each followed by a given latent-query text (teacher candidates), in the same form
  // embed() gives a generated one: last and mean pooling over prompt + text, query pooling over the text.
  // Where messages repeat (several candidates of one request), each distinct prompt runs once and its keys
  // and values serve all of its texts (llm/shared_prompt.h); the rows equal separate runs up to float
  // rounding. Not cached (reason/latent_inputs.h's continued_latents is). `mean` as LatentQueryOptions'.
  LatentQueries embed_continued(const std::vector<std::string>& messages,
                                const std::vector<std::string>& texts, int batch,
                                const std::string& label = "", bool mean = true);

 private:
  std::string dir_, hash_;
  std::shared_ptr<Decoder> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  ChatFormat chat_ = ChatFormat::kNone;
  torch::Device device_ = torch::kCPU;
  std::vector<int64_t> stop_tokens_;
};

// The hash of a checkpoint directory (Reasoner::checkpoint_hash), without loading the model.
std::string checkpoint_hash(const std::string& dir);

}  // namespace rgalign
