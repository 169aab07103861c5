// Binds an options struct's visit() list to CLI11 flags (defaults shown in --help).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/options.h"
#include "rgalign/data/bad_input.h"

namespace rgalign::cli {

template <class Options>
void bind_options(CLI::App* app, Options& opt) {
  opt.visit([app](const char* name, auto& field, const char* help, bool required = false) {
    using T = std::decay_t<decltype(field)>;
    const std::string flag = std::string("--") + name;
    if constexpr (std::is_same_v<T, bool>) {
      app->add_flag(flag, field, help);
    } else {
      auto* o = app->add_option(flag, field, help)->capture_default_str();
      if constexpr (std::is_same_v<T, std::vector<std::string>>) o->delimiter(',');
      if (required) o->required();
    }
  });
}

// Logs the resolved configuration at start (HOUSE_STYLE: the config is echoed).
template <class Options>
void echo_options(const char* command, Options& opt) {
  spdlog::info("rgalign {} {}", command, options_to_json(opt).dump());
}

inline BadInputPolicy policy_of(bool skip_bad) {
  return skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict;
}

// Launched as one of several ranks (WORLD_SIZE > 1), only the data-parallel commands may run: train, eval,
// align and reasoner embed. Any other would run N times over the same outputs; it is refused with a message.
inline void check_distributed_support(const CLI::App& sub) {
  const char* world = std::getenv("WORLD_SIZE");
  if (world == nullptr || std::string(world).empty() || std::string(world) == "1") return;
  const std::string name = sub.get_name();
  if (name == "train" || name == "eval" || name == "align") return;
  if (name == "reasoner" && !sub.get_subcommands().empty() && sub.get_subcommands()[0]->get_name() == "embed")
    return;
  throw InputError("WORLD_SIZE",
                   "rgalign " + name + " runs as a single process, not as one of " + world + " ranks",
                   "rgalign launch runs train, eval, align and reasoner embed");
}

// Each subcommand registers itself on the app and returns a callback run after parsing.
using Runner = std::function<int()>;
Runner add_simulate(CLI::App& app);
Runner add_train(CLI::App& app);
Runner add_eval(CLI::App& app);
Runner add_metrics(CLI::App& app);
Runner add_demo(CLI::App& app);
Runner add_embed(CLI::App& app);
Runner add_generate(CLI::App& app);
Runner add_reasoner(CLI::App& app);
Runner add_align(CLI::App& app);
Runner add_serve(CLI::App& app);
Runner add_launch(CLI::App& app);

}  // namespace rgalign::cli
