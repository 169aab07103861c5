// Binds an options struct's visit() list to CLI11 flags (defaults shown in --help).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <type_traits>
#include <vector>

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

}  // namespace rgalign::cli
