// rgalign embed / rgalign generate: run a checkpoint in-process.
#include <cstdio>

#include "options_cli.h"
#include "rgalign/llm/embedder.h"

namespace rgalign::cli {

Runner add_embed(CLI::App& app) {
  auto opt = std::make_shared<EmbedOptions>();
  auto* sub =
      app.add_subcommand("embed", "Embed texts or token ids with a checkpoint (last-token or mean pooling)");
  bind_options(sub, *opt);
  return [opt]() {
    echo_options("embed", *opt);
    run_embed(*opt);
    return 0;
  };
}

Runner add_generate(CLI::App& app) {
  auto opt = std::make_shared<GenerateCliOptions>();
  auto* sub = app.add_subcommand("generate", "Generate text from a prompt with a checkpoint");
  bind_options(sub, *opt);
  return [opt]() {
    echo_options("generate", *opt);
    std::printf("%s\n", run_generate(*opt).c_str());
    return 0;
  };
}

}  // namespace rgalign::cli
