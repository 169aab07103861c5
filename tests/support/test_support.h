// Shared test helpers: temporary directories, tiny datasets, running the CLI.
#pragma once

#include <cstdint>
#include <string>

#include "rgalign/data/dataset.h"

namespace rgalign::test {

// A fresh, empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_text(const std::string& path, const std::string& text);

// A three-feature dataset with markets SG (3 intents, one valid only from ts 2000) and MY (1 intent).
void write_tiny_dataset(const std::string& dir);

// A Hugging Face model directory at `dir` made of an engine reference fixture (tests/llm/fixtures/<model>:
// "qwen3", "qwen2" or "llama"): its config.json and model.safetensors, and the fixtures' tokenizer.json.
void write_fixture_checkpoint(const std::string& model, const std::string& dir);

// A simulated world of `users` users over 3 weeks in markets SG and BR: small enough for training tests.
void write_small_world(const std::string& dir, int users, uint64_t seed);

// Calls `f` and returns the InputError message it throws ("" when nothing is thrown).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};
// Runs the built rgalign binary with `args` (a shell-quoted string).
CommandResult run_rgalign(const std::string& args);

}  // namespace rgalign::test
