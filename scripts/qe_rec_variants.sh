#!/usr/bin/env bash
# QE-Rec and its ablations against the production two-tower on one dataset, each evaluated on the test split
# with the paired-bootstrap difference to the two-tower (the "paired" block of each metrics file).
#   scripts/qe_rec_variants.sh DATA REASONER OUT [extra train flags...]
# Trains OUT/two-tower unless it exists, then OUT/qe-rec, OUT/qe-rec-mean, OUT/qe-rec-no-query,
# OUT/qe-rec-no-intent-text, OUT/qe-rec-no-id-dropout and OUT/text-bow; prints one line per model.
set -euo pipefail
data=$1 reasoner=$2 out=$3
shift 3
bin=${RGALIGN:-build/rgalign}
mkdir -p "$out"
train() {  # name, flags...
  local name=$1
  shift
  [ -f "$out/$name/model.safetensors" ] || "$bin" train --data "$data" --out "$out/$name" "$@"
}
train two-tower --model two-tower "$@"
train text-bow --model text-bow "$@"
train qe-rec --model qe-rec --reasoner "$reasoner" "$@"
train qe-rec-mean --model qe-rec --reasoner "$reasoner" --pooling mean "$@"
train qe-rec-no-query --model qe-rec --reasoner "$reasoner" --no-query-tower "$@"
train qe-rec-no-intent-text --model qe-rec --reasoner "$reasoner" --no-intent-text "$@"
train qe-rec-no-id-dropout --model qe-rec --reasoner "$reasoner" --intent-id-dropout 0 "$@"
for name in two-tower text-bow qe-rec qe-rec-mean qe-rec-no-query qe-rec-no-intent-text qe-rec-no-id-dropout; do
  "$bin" eval --run "$out/$name" --data "$data" --baseline "$out/two-tower" --out "$out/$name/test.json" 2>/dev/null
  /usr/bin/env python3 - "$out/$name/test.json" "$name" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); p = m["paired"]; cold = m["segments"].get("cold_intent", {})
f = lambda d: f'{d["diff"]:+.4f} [{d["ci95"][0]:+.4f}, {d["ci95"][1]:+.4f}]'
print(f'name={sys.argv[2]} gauc={m["gauc"]:.4f} gauc_ci=[{m["ci95"]["gauc"][0]:.4f},{m["ci95"]["gauc"][1]:.4f}] '
      f'recall3={m["recall@3"]:.4f} ndcg3={m["ndcg@3"]:.4f} cold_recall3={cold.get("recall@3", float("nan")):.4f} '
      f'd_gauc="{f(p["gauc"])}" d_recall3="{f(p["recall@3"])}" oracle_gauc={m["oracle"]["gauc"]:.4f}')
PY
done
