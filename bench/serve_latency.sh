#!/usr/bin/env bash
# Scoring latency of one request, C++ (in-process, as `rgalign serve` scores) against the eager Python
# reference of the same two-tower ranker (Debian's python3-torch), in one command; prints every line and the
# p50 ratio per size.
#   bench/serve_latency.sh [iters] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_TOP_PAD_=1073741824
iters=${1:-300}
threads=${2:-1}
cpp=$(build/bench/bench_serve_latency --iters "$iters" --threads "$threads")
echo "$cpp"
for c in 100 1000 10000; do
  py=$(/usr/bin/python3 bench/two_tower_reference.py --latency "$c" --iters "$iters" --threads "$threads")
  echo "$py"
  a=$(grep "model=two-tower intents=$c " <<<"$cpp" | sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p')
  b=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$py")
  echo "name=serve_score_ratio model=two-tower intents=$c python_over_cpp_p50=$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}')"
done
