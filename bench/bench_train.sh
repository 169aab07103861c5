#!/usr/bin/env bash
# Two-tower training speed, C++ against the line-for-line Python reference (Debian's python3-torch, the same
# libtorch), in one command so that both see the same machine state. Prints both lines and the ratio.
#   bench/bench_train.sh [steps] [threads] [batch]
set -euo pipefail
cd "$(dirname "$0")/.."
# The Python process gets the same heap settings as the C++ one (rgalign::tune_allocator), so the ratio measures
# the code, not the allocator configuration.
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_TOP_PAD_=1073741824
steps=${1:-60}
threads=${2:-2}
batch=${3:-256}
cpp=$(build/bench/bench_train --steps "$steps" --threads "$threads" --batch "$batch")
py=$(/usr/bin/python3 bench/two_tower_reference.py --steps "$steps" --threads "$threads" --batch "$batch")
echo "$cpp"
echo "$py"
c=$(sed -n 's/.*samples_per_s=\([0-9]*\).*/\1/p' <<<"$cpp")
p=$(sed -n 's/.*samples_per_s=\([0-9]*\).*/\1/p' <<<"$py")
echo "name=two_tower_train_ratio batch=$batch cpp_over_python=$(awk -v c="$c" -v p="$p" 'BEGIN{printf "%.2f", c/p}')"
