// Tokenizers of the checkpoints users bring: byte-level BPE from tokenizer.json (Qwen2/Qwen3, Llama-3 style)
// and SentencePiece tokenizer.model. load_tokenizer picks by the files present in a model directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rgalign {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Special tokens written inside the text are matched as specials (transformers' encode, no added BOS/EOS).
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  // Id of a token's text (a special token such as "<|im_end|>"), or -1.
  virtual int64_t token_id(const std::string& token) const = 0;
  virtual int64_t vocab_size() const = 0;
};

// tokenizer.json (preferred) or tokenizer.model in `dir`; nullptr when the directory has neither.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir);

}  // namespace rgalign
