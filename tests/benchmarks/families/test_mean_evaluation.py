"""The default finalize (``mean_evaluation``): Student's t, or the cluster bootstrap where
records share a cluster, and ``ci_method`` saying which."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.families.base import StoredRecord, mean_evaluation
from benchmarks.metrics.functional.cluster_ci import Clusters, clustered_mean_ci
from benchmarks.metrics.functional.mean_ci import mean_ci


def _records(values, clusters, groups=None):
    groups = groups or [None] * len(values)
    return [StoredRecord(f"s{i}", "", {"psnr": v, **({"ssim": v / 50} if i % 2 else {})},
                         None, g, cluster=c)
            for i, (v, c, g) in enumerate(zip(values, clusters, groups, strict=True))]


def test_without_shared_clusters_the_interval_is_student_t():
    values = [20.0, 22.0, 25.0, 21.0]
    evaluation = mean_evaluation(_records(values, [None, "a", "b", None]), ["psnr"], {})
    assert evaluation.ci_method == "student-t"
    assert evaluation.ci95["psnr"] == mean_ci(values).ci95


def test_shared_clusters_give_the_cluster_bootstrap_and_say_so():
    values = [20.0, 20.5, 30.0, 30.5, 25.0, 24.0]
    keys = ["x", "x", "y", "y", "z", "z"]
    evaluation = mean_evaluation(_records(values, keys, ["g1"] * 3 + ["g2"] * 3),
                                 ["psnr", "ssim"], {})
    assert evaluation.ci_method == "cluster bootstrap (3 clusters, 2000 draws)"
    codes = Clusters.of(keys).codes
    assert evaluation.metrics["psnr"] == mean_ci(values).mean
    assert evaluation.ci95["psnr"] == clustered_mean_ci(values, codes).ci95
    assert evaluation.ci95["psnr"] > mean_ci(values).ci95  # clusters differ, clips agree
    # a metric some records lack: only the clusters holding it are drawn
    odd = [1, 3, 5]
    assert evaluation.ci95["ssim"] == pytest.approx(
        clustered_mean_ci(np.array(values)[odd] / 50, codes[odd]).ci95)
    assert evaluation.groups == {"g1": {"psnr": mean_ci(values[:3]).mean,
                                        "ssim": values[1] / 50},
                                 "g2": {"psnr": mean_ci(values[3:]).mean,
                                        "ssim": mean_ci([values[3] / 50, values[5] / 50]).mean}}


def test_no_interval_no_method():
    assert mean_evaluation([], ["psnr"], {}).ci_method == ""
