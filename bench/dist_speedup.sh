#!/usr/bin/env bash
# Data-parallel speedup of `rgalign train` on this machine: one epoch of the two-tower ranker as
#   1 process x 1 thread, 1 process x N threads, N processes x 1 thread (rgalign launch, Gloo on loopback),
# in one command so that all see the same machine state. Prints one line per case and the ratios.
#   bench/dist_speedup.sh [users] [nproc] [model]
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-8000}
nproc=${2:-2}
model=${3:-two-tower}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build/rgalign --log-level warn simulate --out "$work/data" --users "$users" --seed 1
train="train --data $work/data --model $model --epochs 1 --batch-size 256 --seed 1"
rate() { sed -n 's/.*"samples_per_s":\([0-9.]*\).*/\1/p' "$1/metrics.jsonl" | head -1; }
build/rgalign --log-level warn $train --threads 1 --out "$work/p1t1"
build/rgalign --log-level warn $train --threads "$nproc" --out "$work/p1tn"
build/rgalign --log-level warn launch --nproc "$nproc" -- rgalign $train --threads 1 --out "$work/pnt1" 2>/dev/null
a=$(rate "$work/p1t1")
b=$(rate "$work/p1tn")
c=$(rate "$work/pnt1")
echo "name=dist_train model=$model procs=1 threads=1 samples_per_s=$a"
echo "name=dist_train model=$model procs=1 threads=$nproc samples_per_s=$b"
echo "name=dist_train model=$model procs=$nproc threads=1 samples_per_s=$c"
awk -v a="$a" -v b="$b" -v c="$c" -v n="$nproc" 'BEGIN{
  printf "name=dist_speedup procs_over_one_thread=%.2f procs_over_threads=%.2f threads_over_one_thread=%.2f nproc=%d\n", c/a, c/b, b/a, n}'
