// glibc malloc tuning.
#include "rgalign/common/allocator.h"

#include <malloc.h>

namespace rgalign {

void tune_allocator() {
#ifdef M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(0x7fffffff));
  mallopt(M_TOP_PAD, 1 << 30);
#endif
}

}  // namespace rgalign
