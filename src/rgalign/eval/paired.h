// Paired comparison of two models scored on the same requests: the difference (B minus A) of GAUC, Recall@3
// and NDCG@3 with its 95% paired-bootstrap interval, overall and per segment. The statement "B beats A" is
// supported when the interval lies above zero.
#pragma once

#include "rgalign/common/json_util.h"
#include "rgalign/eval/metrics.h"

namespace rgalign {

// {"gauc": {"diff": d, "ci95": [lo, hi]}, "recall@3": ..., "ndcg@3": ..., "segments": {name: {...}}}.
// Throws InputError when the two hold different groups or labels.
Json paired_comparison(const GroupedScores& a, const GroupedScores& b, const MetricsOptions& opt);

}  // namespace rgalign
