// Heap settings for tensor workloads. libtorch's CPU allocator hands large buffers straight to malloc; with
// glibc's defaults those come from fresh mmap()s and go back to the kernel after every step, so each training
// step pays page faults for every activation (3x slower training measured on the 2-core development VM).
#pragma once

namespace rgalign {

// Serves buffers up to 32 MiB from the heap, keeps freed memory for reuse (no trimming below 2 GiB) and grows
// the heap in 1 GiB steps. Call once at the start of main(); the same settings as the environment
// MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_TOP_PAD_=1073741824.
void tune_allocator();

}  // namespace rgalign
