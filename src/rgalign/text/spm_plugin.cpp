// librgalign_spm.so: libsentencepiece behind a C interface (see spm_plugin_api.h for why).
#include <sentencepiece_processor.h>

#include <cstring>
#include <string>
#include <vector>

#include "rgalign/text/spm_plugin_api.h"

namespace {
void set_err(char* err, int len, const std::string& msg) {
  if (err && len > 0) {
    std::strncpy(err, msg.c_str(), static_cast<size_t>(len - 1));
    err[len - 1] = '\0';
  }
}
}  // namespace

extern "C" {

__attribute__((visibility("default"))) void* rgspm_load(const char* path, char* err, int err_len) {
  auto* sp = new sentencepiece::SentencePieceProcessor();
  const auto status = sp->Load(path);
  if (!status.ok()) {
    set_err(err, err_len, status.ToString());
    delete sp;
    return nullptr;
  }
  return sp;
}

__attribute__((visibility("default"))) void rgspm_free(void* h) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(h);
}

__attribute__((visibility("default"))) int rgspm_encode(void* h, const char* text, int64_t* ids, int cap,
                                                        int* n, char* err, int err_len) {
  std::vector<int> v;
  const auto status = static_cast<sentencepiece::SentencePieceProcessor*>(h)->Encode(text, &v);
  if (!status.ok()) {
    set_err(err, err_len, status.ToString());
    return 1;
  }
  *n = static_cast<int>(v.size());
  for (int i = 0; i < static_cast<int>(v.size()) && i < cap; ++i) ids[i] = v[static_cast<size_t>(i)];
  return 0;
}

__attribute__((visibility("default"))) int rgspm_decode(void* h, const int64_t* ids, int n_ids, char* out,
                                                        int cap, int* n, char* err, int err_len) {
  std::vector<int> v(ids, ids + n_ids);
  std::string s;
  const auto status = static_cast<sentencepiece::SentencePieceProcessor*>(h)->Decode(v, &s);
  if (!status.ok()) {
    set_err(err, err_len, status.ToString());
    return 1;
  }
  *n = static_cast<int>(s.size());
  if (static_cast<int>(s.size()) <= cap) std::memcpy(out, s.data(), s.size());
  return 0;
}

__attribute__((visibility("default"))) int64_t rgspm_piece_to_id(void* h, const char* piece) {
  auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(h);
  const int id = sp->PieceToId(piece);
  return (id == sp->unk_id() && sp->IdToPiece(id) != piece) ? -1 : id;
}

__attribute__((visibility("default"))) int64_t rgspm_size(void* h) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(h)->GetPieceSize();
}

}  // extern "C"
