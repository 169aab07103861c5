// Defensive access to untrusted JSON: every failure names the file, line and field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rgalign {

// Insertion-ordered, so written files keep the contract's key order.
using Json = nlohmann::ordered_json;

// Parses one JSON document; on failure throws InputError at `where` with the parser's reason.
Json parse_json(const std::string& text, const std::string& where);
Json read_json_file(const std::string& path);
// Pretty-printed, newline-terminated, written atomically.
void write_json_file(const std::string& path, const Json& j);

// Typed field access on an object; `where` is "file:line" for messages.
const Json& require_field(const Json& obj, const char* key, const std::string& where);
std::string require_string(const Json& obj, const char* key, const std::string& where);
int64_t require_int(const Json& obj, const char* key, const std::string& where);
std::vector<std::string> require_string_array(const Json& obj, const char* key, const std::string& where);
// Optional variants: return the fallback when the key is absent or null; wrong types still throw.
std::string optional_string(const Json& obj, const char* key, const std::string& where,
                            const std::string& fallback);
int64_t optional_int(const Json& obj, const char* key, const std::string& where, int64_t fallback);

// A finite JSON number as double; throws naming `field` otherwise.
double require_finite_number(const Json& value, const std::string& field, const std::string& where);
const char* json_type_name(const Json& value);

}  // namespace rgalign
