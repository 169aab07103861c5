#!/usr/bin/env bash
# Load test of `rgalign serve` with wrk: a running server on RUN, 30 s at 64 connections, a request mix with a
# 90% latent-query cache-hit ratio (test-split contexts, precomputed by the run; every 10th request a new
# context). Prints wrk's report and one parseable line with throughput, p50/p99 and errors. The server gets a
# 5-second warm-up at the same load first (intent-side caches, allocator, connections), not measured.
#   bench/serve_load.sh RUN [on-miss: fallback|wait] [seconds] [connections] [rate]
# rate: requests/s sent on a fixed schedule (0, the default: as fast as the server answers, each connection
# sending its next request when the last is answered).
set -euo pipefail
cd "$(dirname "$0")/.."
run=$1
on_miss=${2:-fallback}
seconds=${3:-30}
conns=${4:-64}
rate=${5:-0}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
data=$(/usr/bin/python3 -c '
import json, os, sys
run = sys.argv[1]
config = json.load(open(os.path.join(run, "run.json")))["config"]
report = os.path.join(run, "report.json")
print(config.get("data") or json.load(open(report))["data"])' "$run")
# Request bodies: the test split's first 5,000 contexts.
/usr/bin/python3 - "$data/test.jsonl" "$work/bodies.jsonl" <<'PY'
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for i, line in enumerate(f):
        if i == 5000:
            break
        r = json.loads(line)
        out.write(json.dumps({"market": r["market"], "features": r["features"], "ts": r["ts"], "k": 3}) + "\n")
PY
# SERVE_ARGS: extra flags for the server (--fallback RUN, --score-batch N, ...).
build/rgalign serve --run "$run" --data "$data" --on-miss "$on_miss" --port 0 --port-file "$work/port" --http-threads "$conns" \
  --max-queue 4096 ${SERVE_ARGS:-} > "$work/server.log" 2>&1 &
echo $! > "$work/pid"
for _ in $(seq 600); do [ -s "$work/port" ] && break; sleep 0.2; done
port=$(cat "$work/port")
url="http://127.0.0.1:$port/v1/recommend"
export BODIES="$work/bodies.jsonl" RATE="$rate" THREADS=2  # wrk threads; serve_load.lua paces each
wrk -t "$THREADS" -c "$conns" -d 5s -s bench/serve_load.lua "$url" > /dev/null
wrk -t "$THREADS" -c "$conns" -d "${seconds}s" --latency -s bench/serve_load.lua "$url" | tee "$work/wrk.txt"
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
hit=$(sed -n 's/^rgalign_latent_cache_hit_ratio \(.*\)/\1/p' <<<"$metrics")
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$work/wrk.txt")
p50=$(awk '$1=="50.000%" || $1=="50%"{print $2}' "$work/wrk.txt")
p99=$(awk '$1=="99.000%" || $1=="99%"{print $2}' "$work/wrk.txt")
errors=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$work/wrk.txt")
sock=$(sed -n 's/^ *Socket errors: *\(.*\)/\1/p' "$work/wrk.txt")
echo "name=serve_load on_miss=$on_miss connections=$conns seconds=$seconds target_rate=$rate rps=$rps p50=$p50 p99=$p99 non2xx=${errors:-0} socket_errors=\"${sock:-none}\" cache_hit_ratio=$hit"
