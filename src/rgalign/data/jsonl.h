// Line-by-line reading of JSONL files under the bad-input policy: blank lines are skipped, each line is
// handed over with its "file:line" location, and an InputError a line raises fails the read (kStrict) or is
// counted and kept for the report (kSkipBad). Nothing is dropped silently.
#pragma once

#include <functional>
#include <string>

#include "rgalign/data/bad_input.h"

namespace rgalign {

bool is_blank_line(const std::string& line);

// `what` names the file in the open error ("intents file"). Under kSkipBad, `log` must be non-null.
void for_each_jsonl_line(const std::string& path, const std::string& what, BadInputPolicy policy,
                         BadInputLog* log,
                         const std::function<void(const std::string& line, const std::string& where)>& f);

}  // namespace rgalign
