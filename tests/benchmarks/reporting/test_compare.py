"""``python -m benchmarks compare``: paired differences, bootstrap CI, tests, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.cli import main
from benchmarks.reporting.compare import aliased, compare_metric, read_run, refusal, run_compare

CONFIG = {"record_format": 2, "task": {"task": "webvid", "family": "reconstruction"},
          "params": {"data_range": 1.0}, "tokenizer": "x", "tokenizer_args": {},
          "data_root": "/d", "num_frames": 17, "seed": 0}


def write_run(root: Path, name: str, values: dict[str, np.ndarray], *, task: str = "webvid",
              config: dict | None = None, ids: list[str] | None = None) -> Path:
    folder = root / task / name
    folder.mkdir(parents=True)
    n = len(next(iter(values.values())))
    ids = ids or [f"v{i:03d}" for i in range(n)]
    with (folder / "samples.jsonl").open("w") as f:
        for i, sid in enumerate(ids):
            f.write(json.dumps({"sample_id": sid, "path": "", "config_hash": "h",
                                "metrics": {k: float(v[i]) for k, v in values.items()},
                                "prediction": None, "group": None}) + "\n")
    cfg = json.loads(json.dumps(config or CONFIG))
    cfg["task"]["task"] = task
    (folder / "summary.json").write_text(json.dumps({
        "task": task, "tokenizer": name, "run_name": name, "config_hash": "h", "config": cfg,
        "metrics": {k: float(np.mean(v)) for k, v in values.items()}}))
    return folder


def test_known_difference_is_recovered_and_covered(tmp_path: Path):
    rng = np.random.default_rng(0)
    a = rng.normal(20, 2, 200)
    truth = 0.5
    b = a + truth + rng.normal(0, 1, 200)  # paired: per-sample noise around +0.5
    run_a = write_run(tmp_path, "a", {"psnr": a})
    run_b = write_run(tmp_path, "b", {"psnr": b})
    text, out = run_compare(run_a, run_b, out=tmp_path / "out", resamples=2000)
    result = json.loads((out / "compare.json").read_text())[0]
    lo, hi = result["ci95"]
    assert lo < truth < hi and hi - lo < 0.4
    assert result["mean_difference"] == pytest.approx(float(np.mean(b - a)))
    assert result["sign_test_p"] < 1e-3 and result["wilcoxon_p"] < 1e-3
    assert (out / "compare.png").stat().st_size > 1000 and "| psnr |" in text


def test_no_difference_gives_a_ci_around_zero_and_large_p(tmp_path: Path):
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, 300)
    b = a + rng.normal(0, 1, 300)
    res = compare_metric(read_run(write_run(tmp_path, "a", {"m": a})),
                         read_run(write_run(tmp_path, "b", {"m": b})), "m",
                         resamples=1000, seed=0)
    assert res.ci95[0] < 0 < res.ci95[1] and res.wilcoxon_p > 0.05


def test_dataset_level_metric_bootstraps_through_finalize(tmp_path: Path):
    # finalize = share of correct samples (a dataset-level count); B is right on 70%, A 50%
    rng = np.random.default_rng(2)
    n = 400
    ca = (rng.random(n) < 0.5).astype(float)
    cb = (rng.random(n) < 0.7).astype(float)
    run_a = read_run(write_run(tmp_path, "a", {"acc": ca}))
    run_b = read_run(write_run(tmp_path, "b", {"acc": cb}))

    def finalize_of(run):
        records = [run.records[i] for i in sorted(run.records)]

        def finalize(row):
            ids = [r.sample_id for r in aliased(records, row)]
            assert len(set(ids)) == len(ids)  # repeats are aliased, never collapsed
            base = [run.records[i.split("#")[0]].metrics["acc"] for i in ids]
            return {"acc": float(np.mean(base))}
        return finalize

    res = compare_metric(run_a, run_b, "acc", resamples=300, seed=0,
                         finalize_a=finalize_of(run_a), finalize_b=finalize_of(run_b))
    assert res.method == "finalize bootstrap" and res.resamples_used == 300
    assert res.ci95[0] < 0.2 < res.ci95[1]
    assert res.mean_difference == pytest.approx(cb.mean() - ca.mean())


def test_refusals_are_one_line_exit_2(tmp_path: Path, capsys):
    a = write_run(tmp_path, "a", {"psnr": np.ones(5)})
    other_task = write_run(tmp_path, "t", {"psnr": np.ones(5)}, task="coco")
    other_ids = write_run(tmp_path, "i", {"psnr": np.ones(5)},
                          ids=["v000", "v001", "v002", "x1", "x2"])
    cfg = json.loads(json.dumps(CONFIG))
    cfg["num_frames"] = 16
    cfg["params"]["data_range"] = 2.0
    other_protocol = write_run(tmp_path, "p", {"psnr": np.ones(5)}, config=cfg)
    for other, words in [(other_task, "different tasks"),
                         (other_ids, "2 only in A (e.g. ['v003', 'v004'])"),
                         (other_protocol, "params.data_range: 1.0 vs 2.0")]:
        assert main(["compare", str(a), str(other)]) == 2
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err
    assert "params.data_range" in str(pytest.raises(
        ValueError, run_compare, a, other_protocol).value)


def _with(**changes) -> dict:
    cfg = json.loads(json.dumps(CONFIG))
    cfg.update(changes)
    return cfg


def test_what_belongs_to_each_tokenizer_is_not_protocol(tmp_path: Path):
    # own weight files and the clip length its clip-length rule takes: compared, and said
    a = write_run(tmp_path, "a", {"psnr": np.ones(5)},
                  config=_with(weights={"/w/a.safetensors": "1:aa", "/i3d.pt": "9:ii"}))
    b = write_run(tmp_path, "b", {"psnr": np.full(5, 2.0)},
                  config=_with(num_frames=13, weights={"/w/b.safetensors": "1:bb",
                                                       "/i3d.pt": "9:ii"}))
    text, _ = run_compare(a, b, out=tmp_path / "ab", resamples=20)
    assert "Clip lengths differ: A scored 17-frame clips, B 13-frame clips" in text
    # a file both runs loaded (the protocol's I3D, LPIPS) must be the same file
    c = write_run(tmp_path, "c", {"psnr": np.ones(5)},
                  config=_with(weights={"/w/c.safetensors": "1:cc", "/i3d.pt": "9:XX"}))
    assert "weights./i3d.pt: '9:ii' vs '9:XX'" in refusal(read_run(a), read_run(c))


def test_codebook_usage_is_shown_not_tested(tmp_path: Path):
    cfg = _with()
    a = write_run(tmp_path, "a", {"psnr": np.ones(5)}, config=cfg)
    b = write_run(tmp_path, "b", {"psnr": np.ones(5)}, config=cfg)
    for run, usage in ((a, 0.25), (b, 0.5)):  # run-level: only in the summary
        summary = json.loads((run / "summary.json").read_text())
        summary["metrics"]["codebook_usage"] = usage
        (run / "summary.json").write_text(json.dumps(summary))
    text, _ = run_compare(a, b, out=tmp_path / "cb", resamples=20)
    assert "| codebook_usage | 0.25 | 0.5 | 0.25 | n/a | run-level, no paired test |" in text


def test_few_paired_samples_say_the_interval_is_unreliable(tmp_path: Path):
    rng = np.random.default_rng(3)
    few = run_compare(write_run(tmp_path, "a", {"m": rng.normal(0, 1, 9)}),
                      write_run(tmp_path, "b", {"m": rng.normal(1, 1, 9)}),
                      out=tmp_path / "few", resamples=50)[0]
    assert "Only 9 paired samples (fewer than 10): the bootstrap interval is unreliable" in few
    enough = run_compare(write_run(tmp_path / "n", "a", {"m": rng.normal(0, 1, 10)}),
                         write_run(tmp_path / "n", "b", {"m": rng.normal(1, 1, 10)}),
                         out=tmp_path / "enough", resamples=50)[0]
    assert "unreliable" not in enough


def _set_records(run: Path, **by_id: dict) -> None:
    """Add keys (cluster, fingerprint) to the run's records, by sample id."""
    lines = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    for record in lines:
        record.update(by_id.get(record["sample_id"], {}))
    (run / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))


def test_clustered_pairs_are_resampled_by_cluster_and_the_interval_widens(tmp_path: Path):
    # 20 sources of 10 clips; the difference B - A has a shared effect per source
    rng = np.random.default_rng(3)
    codes = np.repeat(np.arange(20), 10)
    a = rng.normal(20, 1, 200)
    b = a + 0.5 + rng.normal(0, 1, 20)[codes] + rng.normal(0, 0.2, 200)
    run_a, run_b = write_run(tmp_path, "a", {"psnr": a}), write_run(tmp_path, "b", {"psnr": b})
    naive = compare_metric(read_run(run_a), read_run(run_b), "psnr", resamples=1000, seed=0)
    for run in (run_a,):  # B's records lack clusters (an older run): A's are used
        _set_records(run, **{f"v{i:03d}": {"cluster": f"src{codes[i]}"} for i in range(200)})
    clustered = compare_metric(read_run(run_a), read_run(run_b), "psnr", resamples=1000,
                               seed=0)
    assert naive.clusters is None and clustered.clusters == 20
    assert clustered.mean_difference == pytest.approx(naive.mean_difference)
    width = clustered.ci95[1] - clustered.ci95[0]
    assert width > 2.5 * (naive.ci95[1] - naive.ci95[0])  # design effect ~ sqrt(10 * ...)
    text, _ = run_compare(run_a, run_b, out=tmp_path / "o", resamples=200)
    assert "(200 draws of 20 clusters)" in text and "resamples whole clusters" in text


def test_cluster_rows_hold_every_member_of_each_drawn_cluster():
    from benchmarks.metrics.functional.cluster_ci import Clusters, cluster_draws
    from benchmarks.reporting.compare import cluster_rows

    clusters = Clusters.of(["b", "a", "b", "c", "a", "b"])  # a: 1,4  b: 0,2,5  c: 3
    rows = cluster_rows(clusters, 50, 7)
    members = {0: [1, 4], 1: [0, 2, 5], 2: [3]}
    for row, picked in zip(rows, cluster_draws(3, 50, 7), strict=True):
        assert row.tolist() == [i for g in picked for i in members[int(g)]]


def test_same_ids_on_different_files_are_refused_unless_allowed(tmp_path: Path, capsys):
    a = write_run(tmp_path, "a", {"psnr": np.arange(12.0)})
    b = write_run(tmp_path, "b", {"psnr": np.arange(12.0) + 1})
    same = {f"v{i:03d}": {"fingerprint": f"file:9:{i}"} for i in range(12)}
    _set_records(a, **same)
    _set_records(b, **{**same, "v004": {"fingerprint": "file:9:other"}})
    assert main(["compare", str(a), str(b)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "same sample ids, different input files: 1 sample(s)" in err
    assert "v004: file:9:4 vs file:9:other" in err and "--allow-other-inputs" in err
    assert main(["compare", str(a), str(b), "--allow-other-inputs", "--resamples", "20",
                 "--out", str(tmp_path / "o")]) == 0
    assert "Input files differ: 1 sample(s)" in capsys.readouterr().out
    _set_records(b, **same)  # the same files: compared, nothing said
    text, _ = run_compare(a, b, out=tmp_path / "p", resamples=20)
    assert "Input files differ" not in text and "no input fingerprint" not in text
