// Launch environment parsing.
#include "rgalign/dist/dist_env.h"

#include <cstdlib>

#include "rgalign/common/error.h"

namespace rgalign {

namespace {

// The variable's integer value, or `fallback` when unset.
int int_var(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < lo || x > hi)
    throw InputError(name, std::string("\"") + v + "\" is not an integer in [" + std::to_string(lo) + ", " +
                               std::to_string(hi) + "]");
  return static_cast<int>(x);
}

}  // namespace

DistEnv dist_env_from_environment() {
  DistEnv e;
  e.world_size = int_var("WORLD_SIZE", 1, 1, 1 << 16);
  if (e.world_size == 1) return e;
  if (std::getenv("RANK") == nullptr)
    throw InputError("RANK", "WORLD_SIZE is " + std::to_string(e.world_size) + " but RANK is not set",
                     "set RANK, LOCAL_RANK, MASTER_ADDR and MASTER_PORT too, or start with `rgalign launch`");
  e.rank = int_var("RANK", 0, 0, e.world_size - 1);
  e.local_rank = int_var("LOCAL_RANK", e.rank, 0, e.world_size - 1);
  if (const char* a = std::getenv("MASTER_ADDR"); a != nullptr && *a != '\0') e.master_addr = a;
  e.master_port = int_var("MASTER_PORT", 29500, 1, 65535);
  return e;
}

}  // namespace rgalign
