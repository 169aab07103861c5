#!/usr/bin/python3
"""Generates auc_reference.json: per-group and pooled ROC AUC from scikit-learn's roc_auc_score, the outside
reference for rgalign's tie-aware AUC. Run once with Debian's python3 (python3-sklearn); the output is committed.

    /usr/bin/python3 tests/eval/make_auc_reference.py > tests/eval/data/auc_reference.json
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score


def main():
    rng = np.random.default_rng(20260126)
    groups = []
    for g in range(400):
        n = int(rng.choice([1, 2, 3, 5, 8, 20, 50, 200]))
        kind = g % 5
        if kind == 0:  # heavy ties: few distinct scores
            scores = rng.integers(0, 4, size=n).astype(np.float32) * np.float32(0.25)
        elif kind == 1:  # continuous float32 scores
            scores = rng.normal(size=n).astype(np.float32)
        elif kind == 2:  # all scores equal
            scores = np.full(n, np.float32(1.5))
        else:
            scores = rng.integers(-20, 20, size=n).astype(np.float32) * np.float32(0.1)
        p = [0.0, 1.0, 0.05, 0.3, 0.5, 0.5, 0.3, 0.1][int(rng.integers(0, 8))] if g % 7 else 1.0
        labels = (rng.random(n) < p).astype(np.float32)
        if g % 11 == 0:
            labels[:] = 0.0
        auc = None
        if 0 < labels.sum() < n:
            auc = float(roc_auc_score(labels, scores))
        groups.append({"scores": [float(x) for x in scores], "labels": [float(x) for x in labels], "auc": auc})
    all_scores = np.concatenate([np.array(g["scores"], dtype=np.float32) for g in groups])
    all_labels = np.concatenate([np.array(g["labels"], dtype=np.float32) for g in groups])
    out = {
        "generator": "tests/eval/make_auc_reference.py",
        "sklearn_version": sklearn.__version__,
        "groups": groups,
        "pooled_auc": float(roc_auc_score(all_labels, all_scores)),
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
