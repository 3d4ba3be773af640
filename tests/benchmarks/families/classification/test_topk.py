"""Top-k's interval: Student's t over independent videos, the cluster bootstrap where clips
share a source (UCF-101's groups)."""

from __future__ import annotations

from benchmarks.families.classification.topk import count_topk, topk_evaluation
from benchmarks.metrics.functional.cluster_ci import Clusters, clustered_mean_ci
from benchmarks.metrics.functional.mean_ci import mean_ci

TRUTH = {f"v_A_g0{g}_c0{c}": "A" for g in range(1, 5) for c in range(1, 4)}
# groups 1 and 2 right on every clip, 3 and 4 wrong on every clip: a group effect
PREDICTIONS = {i: ["A" if i[6] in "12" else "B"] for i in TRUTH}


def test_clips_of_one_group_are_resampled_together():
    result = count_topk(TRUTH, PREDICTIONS)
    clusters = {i: i[:7] for i in TRUTH}
    clustered = topk_evaluation(result, clusters=clusters)
    naive = topk_evaluation(result)
    assert naive.ci_method == "student-t"
    assert naive.ci95["top1"] == mean_ci(list(result.top1)).ci95
    assert clustered.ci_method == "cluster bootstrap (4 clusters, 2000 draws)"
    codes = Clusters.of([clusters[i] for i in result.ids]).codes
    assert clustered.ci95["top1"] == clustered_mean_ci(list(result.top1), codes).ci95
    assert clustered.metrics == naive.metrics and clustered.ci95["top1"] > naive.ci95["top1"]
