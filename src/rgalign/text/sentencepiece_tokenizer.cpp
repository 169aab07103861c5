// SentencePiece wrapper.
#include "rgalign/text/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include <filesystem>

#include "rgalign/common/error.h"
#include "rgalign/text/bpe_tokenizer.h"

namespace rgalign {

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::string& path) {
  std::unique_ptr<SentencePieceTokenizer> t(new SentencePieceTokenizer());
  t->sp_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = t->sp_->Load(path);
  if (!status.ok()) throw InputError(path, "cannot load SentencePiece model: " + status.ToString());
  return t;
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<int64_t> SentencePieceTokenizer::encode(const std::string& text) const {
  std::vector<int> ids;
  const auto status = sp_->Encode(text, &ids);
  if (!status.ok()) throw InputError("encode", status.ToString());
  return {ids.begin(), ids.end()};
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::vector<int> v;
  for (int64_t id : ids) {
    if (id < 0 || id >= sp_->GetPieceSize())
      throw InputError("decode", "token id " + std::to_string(id) + " is outside the vocabulary of " +
                                     std::to_string(sp_->GetPieceSize()));
    v.push_back(static_cast<int>(id));
  }
  std::string out;
  const auto status = sp_->Decode(v, &out);
  if (!status.ok()) throw InputError("decode", status.ToString());
  return out;
}

int64_t SentencePieceTokenizer::token_id(const std::string& token) const {
  const int id = sp_->PieceToId(token);
  return (id == sp_->unk_id() && sp_->IdToPiece(id) != token) ? -1 : id;
}

int64_t SentencePieceTokenizer::vocab_size() const { return sp_->GetPieceSize(); }

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir) {
  namespace fs = std::filesystem;
  if (fs::exists(fs::path(dir) / "tokenizer.json")) return BpeTokenizer::load((fs::path(dir) / "tokenizer.json").string());
  if (fs::exists(fs::path(dir) / "tokenizer.model"))
    return SentencePieceTokenizer::load((fs::path(dir) / "tokenizer.model").string());
  return nullptr;
}

}  // namespace rgalign
