// The C interface of librgalign_spm.so, a small plugin that wraps libsentencepiece. Debian's libsentencepiece
// carries its own copy of protobuf symbols that clash with the libprotobuf libtorch loads (the process
// crashes in protobuf's static initialisers), so it is never linked into rgalign: the plugin is dlopen()ed
// with local symbol scope and deep binding (its bundled protobuf 3.14 must not meet the process's
// protobuf 3.21) only when a tokenizer.model is used. Training, which also logs through iostreams that deep
// binding cannot share, runs in a separate executable, rgalign-spm-train.
#pragma once

#include <cstdint>

extern "C" {
// All functions return 0 on success; on failure non-zero with a message in err (NUL-terminated, err_len
// bytes).
typedef void* (*rgspm_load_fn)(const char* path, char* err, int err_len);
typedef void (*rgspm_free_fn)(void* handle);
// Writes up to cap ids; *n receives the count needed (call again with a larger buffer when *n > cap).
typedef int (*rgspm_encode_fn)(void* handle, const char* text, int64_t* ids, int cap, int* n, char* err,
                               int err_len);
// Writes up to cap bytes of UTF-8; *n receives the length needed.
typedef int (*rgspm_decode_fn)(void* handle, const int64_t* ids, int n_ids, char* out, int cap, int* n,
                               char* err, int err_len);
typedef int64_t (*rgspm_piece_to_id_fn)(void* handle, const char* piece);  // -1 when unknown
typedef int64_t (*rgspm_size_fn)(void* handle);
}
