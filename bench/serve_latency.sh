#!/usr/bin/env bash
# Scoring latency of one request, C++ (in-process, as `rgalign serve` scores it) against eager Python references
# of the same rankers (Debian's python3-torch: bench/two_tower_reference.py, bench/qe_rec_reference.py), in
# one command; prints every line and the p50 ratio, Python over C++ (fused kernels), per model and size.
#   bench/serve_latency.sh [iters] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_TOP_PAD_=1073741824
iters=${1:-300}
threads=${2:-1}
cpp=$(build/bench/bench_serve_latency --iters "$iters" --threads "$threads")
echo "$cpp"
for model in two-tower qe-rec; do
  script=bench/${model//-/_}_reference.py
  for c in 100 1000 10000; do
    py=$(/usr/bin/python3 "$script" --latency "$c" --iters "$iters" --threads "$threads")
    echo "$py"
    a=$(grep "model=$model intents=$c batch=1 inference=fused " <<<"$cpp" | sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p')
    b=$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<<"$py")
    echo "name=serve_score_ratio model=$model intents=$c python_over_cpp_p50=$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}')"
  done
done
