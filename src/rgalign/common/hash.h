// Content hashes for run provenance (SHA-256) and fast stable hashing (FNV-1a 64) for buckets and seeds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rgalign {

// Hex SHA-256 of a file's bytes, streamed. Throws InputError if unreadable.
std::string sha256_file(const std::string& path);
std::string sha256_hex(std::string_view data);

// Stable across platforms and runs; used for hash buckets and derived seeds.
uint64_t fnv1a64(std::string_view data, uint64_t seed = 0xcbf29ce484222325ULL);
// Mixes two 64-bit values into one (splitmix64 finaliser); used to derive per-item seeds.
uint64_t mix64(uint64_t a, uint64_t b);

}  // namespace rgalign
