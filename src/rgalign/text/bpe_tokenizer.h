// Byte-level BPE as Hugging Face `tokenizers` runs it from tokenizer.json: added/special tokens matched
// first, normalizer (NFC, NFKC, NFD, NFKD or none), Split pre-tokenizer with the model's regex (PCRE2,
// Unicode properties) and/or the GPT-2 ByteLevel regex, byte-to-unicode mapping, BPE merges by rank (both
// file forms: "a b" strings and ["a","b"] pairs), and the ByteLevel decoder.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "rgalign/text/tokenizer.h"

namespace rgalign {

class BpeTokenizer : public Tokenizer {
 public:
  // Throws InputError naming the file and the unsupported or malformed part.
  static std::unique_ptr<BpeTokenizer> load(const std::string& path);
  ~BpeTokenizer() override;

  std::vector<int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t token_id(const std::string& token) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(id_to_token_.size()); }

 private:
  struct Regex;
  void encode_piece(const std::string& text, std::vector<int64_t>& out) const;
  void bpe_word(const std::string& byte_level_word, std::vector<int64_t>& out) const;

  std::string path_;
  std::string normalizer_;                      // "", "NFC", "NFKC", "NFD", "NFKD"
  std::vector<std::unique_ptr<Regex>> splits_;  // applied in order; each splits every piece further
  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> id_to_token_;
  std::map<std::pair<std::string, std::string>, int> merge_rank_;
  std::vector<std::pair<std::string, int64_t>> added_;  // (content, id), longest first
  std::vector<bool> added_id_;                          // id -> is an added token
  bool ignore_merges_ = false;
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache_;
};

// GPT-2's reversible byte -> printable unicode mapping: the UTF-8 of each byte's stand-in character.
const std::vector<std::string>& byte_to_unicode();

}  // namespace rgalign
