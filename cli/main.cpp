// rgalign: the command-line entry point. Errors are caught here and nowhere else in the CLI.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "options_cli.h"
#include "rgalign/common/allocator.h"
#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"

int main(int argc, char** argv) {
  rgalign::tune_allocator();
  CLI::App app{
      "rgalign " RGALIGN_VERSION
      ": zero-query proactive intent recommendation with ranking-guided LLM alignment (RGAlign-Rec)"};
  app.require_subcommand(1);
  app.get_formatter()->column_width(34);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug|info|warn|error")->capture_default_str();
  std::map<std::string, rgalign::cli::Runner> runners;
  runners["simulate"] = rgalign::cli::add_simulate(app);
  runners["train"] = rgalign::cli::add_train(app);
  runners["eval"] = rgalign::cli::add_eval(app);
  runners["metrics"] = rgalign::cli::add_metrics(app);
  runners["demo"] = rgalign::cli::add_demo(app);
  runners["embed"] = rgalign::cli::add_embed(app);
  runners["generate"] = rgalign::cli::add_generate(app);
  runners["reasoner"] = rgalign::cli::add_reasoner(app);
  runners["align"] = rgalign::cli::add_align(app);
  runners["serve"] = rgalign::cli::add_serve(app);
  runners["launch"] = rgalign::cli::add_launch(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    rgalign::init_logging(log_level);
    for (auto* sub : app.get_subcommands()) {
      rgalign::cli::check_distributed_support(*sub);
      return runners.at(sub->get_name())();
    }
  } catch (const rgalign::InputError& e) {
    std::fprintf(stderr, "rgalign: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rgalign: failed: %s\n", e.what());
    return 1;
  }
  return 1;
}
