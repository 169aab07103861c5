// SentencePiece through the dlopen()ed plugin.
#include "rgalign/text/sentencepiece_tokenizer.h"

#include <dlfcn.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "rgalign/common/error.h"
#include "rgalign/text/bpe_tokenizer.h"
#include "rgalign/text/spm_plugin_api.h"

namespace rgalign {

namespace {

struct Plugin {
  void* lib = nullptr;
  rgspm_load_fn load = nullptr;
  rgspm_free_fn free = nullptr;
  rgspm_encode_fn encode = nullptr;
  rgspm_decode_fn decode = nullptr;
  rgspm_piece_to_id_fn piece_to_id = nullptr;
  rgspm_size_fn size = nullptr;
};

// A file shipped beside the running executable or in its parent (tests live in build/tests).
std::vector<std::string> beside_executable(const std::string& name) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / name).string());
    out.push_back((exe.parent_path().parent_path() / name).string());
  }
  return out;
}

const Plugin& plugin() {
  static const Plugin p = [] {
    namespace fs = std::filesystem;
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("RGALIGN_SPM_PLUGIN")) candidates.emplace_back(env);
    for (const auto& c : beside_executable("librgalign_spm.so")) candidates.push_back(c);
    Plugin pl;
    std::string tried;
    for (const auto& c : candidates) {
      tried += (tried.empty() ? "" : ", ") + c;
      if (!fs::exists(c)) continue;
      pl.lib = ::dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (pl.lib) break;
    }
    if (!pl.lib)
      throw InputError("tokenizer.model", "SentencePiece support needs librgalign_spm.so", "tried " + tried);
    pl.load = reinterpret_cast<rgspm_load_fn>(::dlsym(pl.lib, "rgspm_load"));
    pl.free = reinterpret_cast<rgspm_free_fn>(::dlsym(pl.lib, "rgspm_free"));
    pl.encode = reinterpret_cast<rgspm_encode_fn>(::dlsym(pl.lib, "rgspm_encode"));
    pl.decode = reinterpret_cast<rgspm_decode_fn>(::dlsym(pl.lib, "rgspm_decode"));
    pl.piece_to_id = reinterpret_cast<rgspm_piece_to_id_fn>(::dlsym(pl.lib, "rgspm_piece_to_id"));
    pl.size = reinterpret_cast<rgspm_size_fn>(::dlsym(pl.lib, "rgspm_size"));
    if (!pl.load || !pl.free || !pl.encode || !pl.decode || !pl.piece_to_id || !pl.size)
      throw InputError("librgalign_spm.so", "plugin lacks its entry points");
    return pl;
  }();
  return p;
}

}  // namespace

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::string& path) {
  char err[512] = "";
  std::unique_ptr<SentencePieceTokenizer> t(new SentencePieceTokenizer());
  t->handle_ = plugin().load(path.c_str(), err, sizeof err);
  if (!t->handle_) throw InputError(path, std::string("cannot load SentencePiece model: ") + err);
  return t;
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (handle_) plugin().free(handle_);
}

std::vector<int64_t> SentencePieceTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids(text.size() + 16);
  int n = 0;
  char err[512] = "";
  if (plugin().encode(handle_, text.c_str(), ids.data(), static_cast<int>(ids.size()), &n, err, sizeof err) !=
      0)
    throw InputError("encode", err);
  if (n > static_cast<int>(ids.size())) {
    ids.resize(static_cast<size_t>(n));
    plugin().encode(handle_, text.c_str(), ids.data(), n, &n, err, sizeof err);
  }
  ids.resize(static_cast<size_t>(n));
  return ids;
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  const int64_t size = vocab_size();
  for (int64_t id : ids)
    if (id < 0 || id >= size)
      throw InputError("decode", "token id " + std::to_string(id) + " is outside the vocabulary of " +
                                     std::to_string(size));
  std::string out(ids.size() * 8 + 16, '\0');
  int n = 0;
  char err[512] = "";
  if (plugin().decode(handle_, ids.data(), static_cast<int>(ids.size()), out.data(),
                      static_cast<int>(out.size()), &n, err, sizeof err) != 0)
    throw InputError("decode", err);
  if (n > static_cast<int>(out.size())) {
    out.resize(static_cast<size_t>(n));
    plugin().decode(handle_, ids.data(), static_cast<int>(ids.size()), out.data(), n, &n, err, sizeof err);
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

int64_t SentencePieceTokenizer::token_id(const std::string& token) const {
  return plugin().piece_to_id(handle_, token.c_str());
}

int64_t SentencePieceTokenizer::vocab_size() const {
  return plugin().size(handle_);
}

void train_sentencepiece(const std::vector<std::string>& args, const std::string& workdir) {
  std::string exe;
  for (const auto& c : beside_executable("rgalign-spm-train"))
    if (std::filesystem::exists(c)) {
      exe = c;
      break;
    }
  if (exe.empty())
    throw InputError("sentencepiece training", "rgalign-spm-train not found beside the executable");
  std::vector<char*> argv = {exe.data()};
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!workdir.empty()) posix_spawn_file_actions_addchdir_np(&actions, workdir.c_str());
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw InputError("sentencepiece training", "cannot start " + exe);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw InputError("sentencepiece training",
                     exe + " failed (exit status " + std::to_string(WEXITSTATUS(status)) + ")");
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir) {
  namespace fs = std::filesystem;
  if (fs::exists(fs::path(dir) / "tokenizer.json"))
    return BpeTokenizer::load((fs::path(dir) / "tokenizer.json").string());
  if (fs::exists(fs::path(dir) / "tokenizer.model"))
    return SentencePieceTokenizer::load((fs::path(dir) / "tokenizer.model").string());
  return nullptr;
}

}  // namespace rgalign
