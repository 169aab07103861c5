#!/usr/bin/env bash
# Checks rgalign's torch code against another libtorch, typically PyTorch 2.x with CUDA (python3's torch):
# compiles every torch translation unit of the library (API compatibility; the TORCH_VERSION_MAJOR guards),
# then builds bench/bench_dist_nccl with the dist sources and runs it (on a GPU: the one-GPU NCCL path).
# The full CMake build needs the Debian dependencies; this check needs only their headers, found in
# /usr/include or $EXTRA_INCLUDE (nlohmann, spdlog, fmt, yaml-cpp, httplib.h, ...; searched before the
# libtorch's) and $FALLBACK_INCLUDE (gloo; searched last).
#   scripts/torch2_check.sh            # torch from python3
#   TORCH_INCLUDE=/usr/include TORCH_LIB=/usr/lib/x86_64-linux-gnu scripts/torch2_check.sh   # Debian's
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT_DIR:-build-torch2}
mkdir -p "$out"
if [ -z "${TORCH_INCLUDE:-}" ]; then
  t=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')
  TORCH_INCLUDE=$t/include
  TORCH_LIB=$t/lib
  abi=$(python3 -c 'import torch;print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  cuda=$(python3 -c 'import torch;print(int(torch.version.cuda is not None))')
else
  abi=1
  cuda=0
fi
{
  echo "-std=${CXX_STD:-c++17} -O1 -fPIC -pthread -D_GLIBCXX_USE_CXX11_ABI=$abi"
  echo "-DUSE_C10D_GLOO -DSPDLOG_HEADER_ONLY -DFMT_HEADER_ONLY -DSPDLOG_FMT_EXTERNAL -DRGALIGN_VERSION=\\\"check\\\""
  # The dependencies' headers first: they must be the versions rgalign builds with (Debian 12's spdlog wants its
  # fmt 9, not the fmt a PyTorch wheel carries).
  [ -n "${EXTRA_INCLUDE:-}" ] && echo "-isystem $EXTRA_INCLUDE"
  echo "-Isrc -isystem $TORCH_INCLUDE/torch/csrc/api/include"
  [ "$TORCH_INCLUDE" != /usr/include ] && echo "-isystem $TORCH_INCLUDE"
  if [ "$cuda" = 1 ]; then
    echo "-DUSE_C10D_NCCL -DRGALIGN_HAVE_NCCL"
    # CUDA runtime and NCCL headers: the toolkit's, or the pip nvidia-* packages'.
    for h in cuda_runtime_api.h nccl.h; do
      d=$(find /usr/local/cuda/include / -name "$h" -not -path '*/proc/*' 2>/dev/null | head -1 || true)
      if [ -n "$d" ] && [ "$(dirname "$d")" != /usr/include ]; then echo "-isystem $(dirname "$d")"; fi
    done
  fi
  # Last resort for headers the libtorch lacks (Gloo's, from Debian's libgloo-dev).
  [ -n "${FALLBACK_INCLUDE:-}" ] && echo "-idirafter $FALLBACK_INCLUDE"
  true
} > "$out/flags"
echo "torch2_check: include $TORCH_INCLUDE, cuda $cuda, flags $(tr '\n' ' ' < "$out/flags")"

# 1. Every torch source of the library, in parallel.
srcs=${SOURCES:-$(sed -n '/add_library(rgalign_lib/,/^)/p' src/rgalign/CMakeLists.txt | grep '\.cpp' | sed 's/^ *//; s|^|src/rgalign/|')}
fail=0
printf '%s\n' $srcs bench/bench_dist_nccl.cpp | xargs -P "$(nproc)" -I{} sh -c \
  'g++ @'"$out"'/flags -fsyntax-only {} 2> '"$out"'/$(basename {}).log && echo "compiled {}" || { echo "FAILED {}"; head -40 '"$out"'/$(basename {}).log; exit 1; }' \
  || fail=1
[ "$fail" = 0 ] && echo "torch2_check: all $(echo $srcs | wc -w) library sources compile"

# 2. The NCCL check program, linked against this libtorch.
libs="-L$TORCH_LIB -Wl,-rpath,$TORCH_LIB -ltorch -ltorch_cpu -lc10"
[ "$cuda" = 1 ] && libs="$libs -ltorch_cuda -lc10_cuda"
[ "$cuda" = 0 ] && [ -e /usr/lib/x86_64-linux-gnu/libgloo.so ] && libs="$libs -lgloo"
g++ @"$out/flags" -o "$out/bench_dist_nccl" bench/bench_dist_nccl.cpp src/rgalign/dist/process_group.cpp \
  src/rgalign/dist/grad_sync.cpp src/rgalign/dist/dist_env.cpp src/rgalign/common/error.cpp -Wl,--no-as-needed $libs
"$out/bench_dist_nccl" --port "${NCCL_CHECK_PORT:-29531}"
exit $fail
