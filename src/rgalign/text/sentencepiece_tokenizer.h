// SentencePiece tokenizer.model, through the librgalign_spm.so plugin (see spm_plugin_api.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rgalign/text/tokenizer.h"

namespace rgalign {

class SentencePieceTokenizer : public Tokenizer {
 public:
  static std::unique_ptr<SentencePieceTokenizer> load(const std::string& path);
  ~SentencePieceTokenizer() override;
  std::vector<int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t token_id(const std::string& token) const override;
  int64_t vocab_size() const override;

 private:
  void* handle_ = nullptr;
};

// Trains a SentencePiece model in the rgalign-spm-train process; args as spm_train takes them
// ({"--input=f", "--model_prefix=p", "--vocab_size=800"}). With `workdir`, the process runs there, so
// relative paths keep the model file (which records its input and prefix) free of absolute paths.
void train_sentencepiece(const std::vector<std::string>& args, const std::string& workdir = "");

}  // namespace rgalign
