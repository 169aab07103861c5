// Byte-level BPE tokenizer.
#include "rgalign/text/bpe_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <climits>
#include <functional>

#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/text/utf8.h"

namespace rgalign {

namespace {

// The GPT-2 ByteLevel pre-tokenizer regex (use_regex: true).
const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string utf8_of(uint32_t cp) {
  std::string s;
  append_utf8(cp, s);
  return s;
}

}  // namespace

const std::vector<std::string>& byte_to_unicode() {
  static const std::vector<std::string> kMap = [] {
    std::vector<int> bs;
    for (int b = '!'; b <= '~'; ++b) bs.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b) bs.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b) bs.push_back(b);
    std::vector<std::string> m(256);
    for (int b : bs) m[static_cast<size_t>(b)] = utf8_of(static_cast<uint32_t>(b));
    int n = 0;
    for (int b = 0; b < 256; ++b)
      if (m[static_cast<size_t>(b)].empty())
        m[static_cast<size_t>(b)] = utf8_of(static_cast<uint32_t>(256 + n++));
    return m;
  }();
  return kMap;
}

struct BpeTokenizer::Regex {
  pcre2_code* code = nullptr;
  ~Regex() {
    if (code) pcre2_code_free(code);
  }
  // Splits `text` into matches and the gaps between them ("Isolated" behaviour).
  void split(const std::string& text, std::vector<std::string>& out) const {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
    size_t pos = 0, last = 0;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    while (pos <= text.size()) {
      int rc = pcre2_match(code, subject, text.size(), pos, 0, md, nullptr);
      if (rc < 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      const size_t s = ov[0], e = ov[1];
      if (s > last) out.push_back(text.substr(last, s - last));
      if (e > s) out.push_back(text.substr(s, e - s));
      last = e;
      if (e == s) {  // empty match: step over one character
        pos = e + 1;
        while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
      } else {
        pos = e;
      }
    }
    if (last < text.size()) out.push_back(text.substr(last));
    pcre2_match_data_free(md);
  }
};

BpeTokenizer::~BpeTokenizer() = default;

std::unique_ptr<BpeTokenizer> BpeTokenizer::load(const std::string& path) {
  Json j = read_json_file(path);
  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer());
  t->path_ = path;
  const Json& model = require_field(j, "model", path);
  const std::string type = optional_string(model, "type", path, "BPE");
  if (type != "BPE")
    throw InputError(path, "unsupported model type \"" + type + "\"", "this reader handles BPE");
  if (model.value("byte_fallback", false)) throw InputError(path, "unsupported byte_fallback BPE");
  t->ignore_merges_ = model.value("ignore_merges", false);
  const Json& vocab = require_field(model, "vocab", path);
  if (!vocab.is_object()) throw InputError(path, "\"model.vocab\" must be an object");
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0)
      throw InputError(path, "vocab id of \"" + it.key() + "\" must be a non-negative integer");
    const int64_t id = it.value().get<int64_t>();
    t->vocab_[it.key()] = id;
    if (static_cast<size_t>(id) >= t->id_to_token_.size())
      t->id_to_token_.resize(static_cast<size_t>(id) + 1);
    t->id_to_token_[static_cast<size_t>(id)] = it.key();
  }
  const Json& merges = require_field(model, "merges", path);
  if (!merges.is_array()) throw InputError(path, "\"model.merges\" must be an array");
  int rank = 0;
  for (const auto& m : merges) {
    std::string a, b;
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const auto sp = s.find(' ');
      if (sp == std::string::npos)
        throw InputError(path, "merge \"" + s + "\" is not two space-separated symbols");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      throw InputError(path, "each merge must be \"a b\" or [\"a\", \"b\"]");
    }
    t->merge_rank_.emplace(std::make_pair(a, b), rank++);
  }
  if (j.contains("added_tokens") && j["added_tokens"].is_array())
    for (const auto& a : j["added_tokens"]) {
      const std::string content = require_string(a, "content", path);
      const int64_t id = require_int(a, "id", path);
      if (content.empty() || id < 0) throw InputError(path, "added token with empty content or negative id");
      t->added_.emplace_back(content, id);
      if (static_cast<size_t>(id) >= t->id_to_token_.size())
        t->id_to_token_.resize(static_cast<size_t>(id) + 1);
      t->id_to_token_[static_cast<size_t>(id)] = content;
      t->vocab_[content] = id;
    }
  std::stable_sort(t->added_.begin(), t->added_.end(),
                   [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
  t->added_id_.assign(t->id_to_token_.size(), false);
  for (const auto& [content, id] : t->added_) t->added_id_[static_cast<size_t>(id)] = true;

  // Normalizer.
  std::function<void(const Json&)> normalizer = [&](const Json& n) {
    if (n.is_null()) return;
    const std::string nt = require_string(n, "type", path);
    if (nt == "Sequence") {
      for (const auto& x : require_field(n, "normalizers", path)) normalizer(x);
    } else if (nt == "NFC" || nt == "NFKC" || nt == "NFD" || nt == "NFKD") {
      t->normalizer_ = nt;
    } else {
      throw InputError(path, "unsupported normalizer \"" + nt + "\"",
                       "supported: NFC, NFKC, NFD, NFKD, none");
    }
  };
  if (j.contains("normalizer")) normalizer(j["normalizer"]);

  // Pre-tokenizers: Split (Isolated) with a regex, ByteLevel (with or without its GPT-2 regex).
  auto compile = [&](const std::string& pattern) {
    auto r = std::make_unique<Regex>();
    int err = 0;
    PCRE2_SIZE off = 0;
    r->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), PCRE2_ZERO_TERMINATED,
                            PCRE2_UTF | PCRE2_UCP, &err, &off, nullptr);
    if (!r->code) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(err, buf, sizeof buf);
      throw InputError(path, "pre-tokenizer regex does not compile at offset " + std::to_string(off) + ": " +
                                 reinterpret_cast<const char*>(buf));
    }
    pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);  // best effort; falls back to the interpreter
    t->splits_.push_back(std::move(r));
  };
  std::function<void(const Json&)> pre = [&](const Json& p) {
    if (p.is_null()) return;
    const std::string pt = require_string(p, "type", path);
    if (pt == "Sequence") {
      for (const auto& x : require_field(p, "pretokenizers", path)) pre(x);
    } else if (pt == "Split") {
      const Json& pat = require_field(p, "pattern", path);
      if (optional_string(p, "behavior", path, "Isolated") != "Isolated" || p.value("invert", false))
        throw InputError(path, "unsupported Split behavior", "supported: Isolated, invert false");
      if (pat.contains("Regex"))
        compile(pat["Regex"].get<std::string>());
      else
        throw InputError(path, "unsupported Split pattern", "supported: Regex");
    } else if (pt == "ByteLevel") {
      if (p.value("add_prefix_space", false))
        throw InputError(path, "unsupported ByteLevel add_prefix_space true");
      if (p.value("use_regex", true)) compile(kGpt2Pattern);
    } else {
      throw InputError(path, "unsupported pre-tokenizer \"" + pt + "\"",
                       "supported: Split, ByteLevel, Sequence");
    }
  };
  if (j.contains("pre_tokenizer")) pre(j["pre_tokenizer"]);
  if (j.contains("decoder") && !j["decoder"].is_null() &&
      optional_string(j["decoder"], "type", path, "") != "ByteLevel")
    throw InputError(path, "unsupported decoder \"" + j["decoder"].value("type", std::string("?")) + "\"",
                     "supported: ByteLevel");
  for (int b = 0; b < 256; ++b)
    if (!t->vocab_.count(byte_to_unicode()[static_cast<size_t>(b)]))
      throw InputError(path, "vocabulary lacks the byte-level symbol of byte " + std::to_string(b),
                       "not a byte-level BPE tokenizer");
  return t;
}

int64_t BpeTokenizer::token_id(const std::string& token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

void BpeTokenizer::bpe_word(const std::string& word, std::vector<int64_t>& out) const {
  if (ignore_merges_) {
    auto it = vocab_.find(word);
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(word);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<std::string> sym = utf8_chars(word);
  while (sym.size() > 1) {
    int best = INT_MAX;
    size_t at = 0;
    for (size_t i = 0; i + 1 < sym.size(); ++i) {
      auto it = merge_rank_.find({sym[i], sym[i + 1]});
      if (it != merge_rank_.end() && it->second < best) {
        best = it->second;
        at = i;
      }
    }
    if (best == INT_MAX) break;
    const std::string a = sym[at], b = sym[at + 1];
    std::vector<std::string> next;
    for (size_t i = 0; i < sym.size();) {
      if (i + 1 < sym.size() && sym[i] == a && sym[i + 1] == b) {
        next.push_back(a + b);
        i += 2;
      } else {
        next.push_back(sym[i++]);
      }
    }
    sym.swap(next);
  }
  std::vector<int64_t> ids;
  for (const auto& s : sym) {
    auto it = vocab_.find(s);
    RG_ASSERT(it != vocab_.end(), "byte-level symbol missing from a validated vocabulary");
    ids.push_back(it->second);
  }
  out.insert(out.end(), ids.begin(), ids.end());
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (cache_.size() < 100000) cache_.emplace(word, std::move(ids));
}

void BpeTokenizer::encode_piece(const std::string& raw, std::vector<int64_t>& out) const {
  std::string text = raw;
  if (!normalizer_.empty()) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = normalizer_ == "NFC"    ? icu::Normalizer2::getNFCInstance(status)
                                : normalizer_ == "NFKC" ? icu::Normalizer2::getNFKCInstance(status)
                                : normalizer_ == "NFD"  ? icu::Normalizer2::getNFDInstance(status)
                                                        : icu::Normalizer2::getNFKDInstance(status);
    icu::UnicodeString u = n->normalize(icu::UnicodeString::fromUTF8(text), status);
    if (U_SUCCESS(status)) {
      text.clear();
      u.toUTF8String(text);
    }
  }
  std::vector<std::string> pieces = {text};
  for (const auto& r : splits_) {
    std::vector<std::string> next;
    for (const auto& p : pieces) r->split(p, next);
    pieces.swap(next);
  }
  const auto& b2u = byte_to_unicode();
  for (const auto& p : pieces) {
    std::string word;
    for (unsigned char c : p) word += b2u[c];
    if (!word.empty()) bpe_word(word, out);
  }
}

std::vector<int64_t> BpeTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> out;
  size_t pos = 0;
  while (pos < text.size()) {
    // The earliest added token, the longest at a position.
    size_t best = std::string::npos;
    const std::pair<std::string, int64_t>* hit = nullptr;
    for (const auto& a : added_) {
      size_t f = text.find(a.first, pos);
      if (f != std::string::npos && (f < best)) {
        best = f;
        hit = &a;
      }
    }
    if (!hit) {
      encode_piece(text.substr(pos), out);
      break;
    }
    if (best > pos) encode_piece(text.substr(pos, best - pos), out);
    out.push_back(hit->second);
    pos = best + hit->first.size();
  }
  return out;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids) const {
  static const std::unordered_map<std::string, unsigned char> kReverse = [] {
    std::unordered_map<std::string, unsigned char> m;
    for (int b = 0; b < 256; ++b)
      m[byte_to_unicode()[static_cast<size_t>(b)]] = static_cast<unsigned char>(b);
    return m;
  }();
  std::string bytes;
  for (int64_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size())
      throw InputError("decode", "token id " + std::to_string(id) + " is outside the vocabulary of " +
                                     std::to_string(id_to_token_.size()));
    const std::string& tok = id_to_token_[static_cast<size_t>(id)];
    if (added_id_[static_cast<size_t>(id)]) {
      bytes += tok;
      continue;
    }
    for (const auto& ch : utf8_chars(tok)) {
      auto it = kReverse.find(ch);
      if (it != kReverse.end())
        bytes.push_back(static_cast<char>(it->second));
      else
        bytes += ch;
    }
  }
  return sanitize_utf8(bytes);
}

}  // namespace rgalign
