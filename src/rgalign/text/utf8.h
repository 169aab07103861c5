// Small UTF-8 helpers for tokenizers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rgalign {

void append_utf8(uint32_t code_point, std::string& out);
// The characters of a UTF-8 string (an invalid byte is its own "character").
std::vector<std::string> utf8_chars(const std::string& s);
// Replaces every invalid UTF-8 sequence with U+FFFD, as Python's errors="replace" does.
std::string sanitize_utf8(const std::string& s);

}  // namespace rgalign
