// rgalign launch: run an rgalign command as several data-parallel workers (torchrun-style environment).
#include "options_cli.h"
#include "rgalign/dist/launch.h"

namespace rgalign::cli {

Runner add_launch(CLI::App& app) {
  auto opt = std::make_shared<LaunchOptions>();
  auto command = std::make_shared<std::vector<std::string>>();
  auto* sub =
      app.add_subcommand("launch",
                         "Run a command as N workers with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set: "
                         "rgalign launch --nproc 2 -- rgalign train ...");
  bind_options(sub, *opt);
  sub->add_option("command", *command, "the command after --; `rgalign` means this executable")
      ->expected(-1)
      ->required();
  return [opt, command]() {
    echo_options("launch", *opt);
    return run_launch(*opt, *command);
  };
}

}  // namespace rgalign::cli
