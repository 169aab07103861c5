// Options structs list their fields once, in a visit(v) member calling v(name, field, help[, required]).
// JSON echo/save derives from that list here; CLI parsing and --help in cli/options_cli.h.
#pragma once

#include <string>

#include "rgalign/common/json_util.h"

namespace rgalign {

// The resolved configuration of an options struct, for the start-up echo and run.json.
template <class Options>
Json options_to_json(Options& opt) {
  Json j = Json::object();
  opt.visit([&j](const char* name, auto& field, const char* /*help*/, bool /*required*/ = false) {
    j[name] = field;
  });
  return j;
}

}  // namespace rgalign
