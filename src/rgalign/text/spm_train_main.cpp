// rgalign-spm-train: trains a SentencePiece model in its own process (libsentencepiece cannot share a process
// with libtorch's protobuf; see spm_plugin_api.h). Arguments are spm_train's: --input=... --model_prefix=...
#include <sentencepiece_trainer.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  std::string args;
  for (int i = 1; i < argc; ++i) args += (i > 1 ? " " : "") + std::string(argv[i]);
  const auto status = sentencepiece::SentencePieceTrainer::Train(args);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
