// SentencePiece tokenizer.model through Debian's libsentencepiece.
#pragma once

#include <memory>
#include <string>

#include "rgalign/text/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

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
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
};

}  // namespace rgalign
