"""The example plug-in package (``examples/benchmarks-plugin-example``).

Its code is checked against hand-computed values from the source folder; its task is run
through the CLI on its own demo set with its entry points declared from its
``pyproject.toml`` (no pip: a ``.dist-info`` folder on ``PYTHONPATH``); whether the
installed package registers is checked where it is installed (CI: ``.ci/run``
pip-installs it), and skipped elsewhere.
"""

from __future__ import annotations

import csv
import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import torch

from benchmarks.io.sampling import FrameSampling
from tests.helpers.paths import REPO

EXAMPLE = REPO / "examples" / "benchmarks-plugin-example"
DIST = "benchmarks-plugin-example"


def _installed() -> bool:
    try:
        importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def declare_entry_points(site: Path) -> Path:
    """A ``.dist-info`` folder in ``site`` declaring the example's entry points exactly as
    its ``pyproject.toml`` lists them: with ``site`` and the example's source folder on
    ``PYTHONPATH``, ``importlib.metadata`` finds the package as if pip had installed it
    (and before an installed copy, which it then ignores). Returns ``site``."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n",
        encoding="utf-8",
    )
    groups = [f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in entries.items())
              for group, entries in project["entry-points"].items()]
    (info / "entry_points.txt").write_text("\n".join(groups), encoding="utf-8")
    return site


@pytest.fixture
def example(monkeypatch):
    """The example package's modules, imported from the source folder."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    return (importlib.import_module("benchmarks_plugin_example.tokenizer"),
            importlib.import_module("benchmarks_plugin_example.family"))


@pytest.fixture
def squares(monkeypatch):
    """The example's dataset module, imported from the source folder."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    return importlib.import_module("benchmarks_plugin_example.dataset")


def test_posterize_codes_a_constant_clip_by_hand(example):
    tokenizer, _ = example
    tok = tokenizer.create_posterize(factor=4, levels=8)
    # R, G, B = -1, 0.5, 1 -> codes round((v + 1) / 2 * 7) = 0, round(5.25) = 5, 7
    video = torch.tensor([-1.0, 0.5, 1.0]).view(1, 3, 1, 1, 1).expand(1, 3, 3, 8, 12)
    enc = tok.encode(video.contiguous())
    assert enc.indices[0].shape == (1, 3, 2, 3)  # (b, t, h / 4, w / 4)
    assert enc.indices[0].unique().tolist() == [(0 * 8 + 5) * 8 + 7]  # = 47
    assert tok.spec.vocab_size == 512 and tok.spec.bits_per_token == 9
    assert enc.bits.tolist() == [9.0 * 3 * 2 * 3]  # 18 tokens of 9 bits = 162
    out = tok.decode(enc)
    assert out.shape == (1, 3, 3, 8, 12)
    expected = torch.tensor([-1.0, 5 / 7 * 2 - 1, 1.0]).view(1, 3, 1, 1, 1)  # G: 3/7
    torch.testing.assert_close(out, expected.expand_as(out))


def test_posterize_partial_cell_averages_only_its_pixels(example):
    tokenizer, _ = example
    tok = tokenizer.create_posterize(factor=4, levels=8)
    video = torch.full((1, 3, 1, 6, 4), -1.0)
    video[:, :, :, 4:] = 1.0  # rows 4-5: the second cell covers only these two rows
    enc = tok.encode(video)
    # its mean is 1 (code 7); counting two rows of zero padding would give 0.5 (code 5)
    assert enc.features[0][0, 0, 0, :, 0].tolist() == [-1.0, 1.0]
    assert enc.indices[0][0, 0, :, 0].tolist() == [0, 511]
    assert tok.decode(enc).shape == video.shape


def test_flicker_mae_by_hand(example):
    _, family = example
    target = torch.tensor([0.0, 0.5, 1.0]).view(1, 1, 3, 1, 1)  # changes +0.5, +0.5
    recon = torch.tensor([0.0, 0.5, 0.5]).view(1, 1, 3, 1, 1)  # changes +0.5, 0
    assert family.flicker_mae(recon, target).tolist() == [0.25]  # (|0| + |-0.5|) / 2
    assert family.flicker_mae(target, target).tolist() == [0.0]


@pytest.mark.skipif(not _installed(), reason=f"{DIST} is not installed (.ci/run installs it)")
def test_installed_example_registers_its_plugins():
    from benchmarks.config import discover_tasks
    from benchmarks.datasets import DATASETS
    from benchmarks.datasets.demo import DEMO_DATASETS
    from benchmarks.families import TASK_FAMILIES
    from benchmarks.tokenizers import TOKENIZERS

    assert TOKENIZERS.is_plugin("example-posterize")
    assert TOKENIZERS.get("example-posterize")().spec.name == "example-posterize"
    assert TASK_FAMILIES.is_plugin("temporal_flicker")
    family = TASK_FAMILIES.get("temporal_flicker")
    assert family.__module__ == "benchmarks_plugin_example.family"
    assert family.requires == ("decode",)
    assert DATASETS.is_plugin("example-squares")
    assert DATASETS.get("example-squares").demo.builder == "benchmarks_plugin_example.demo:build"
    assert "example-squares" in DEMO_DATASETS
    task = discover_tasks()["example-flicker"]
    assert task.parent.name == "tasks" and task.parent.parent.name == "benchmarks_plugin_example"


def test_demo_set_is_held_out_deterministic_and_readable(squares, tmp_path):
    reader = squares.MovingSquaresDataset
    first, second = tmp_path / "first", tmp_path / "second"
    for root in (first, second):
        root.mkdir()
        reader.demo.build(root)
    sampling = FrameSampling(frames_per_clip=9, resize_shorter=64, crop=64)
    one, two = reader(first, sampling=sampling), reader(second, sampling=sampling)
    refs = one.refs()
    assert [r.sample_id for r in refs] == [f"square-{i:02d}" for i in range(6)]
    assert min(int(r.extra["seed"]) for r in refs) >= 10_000_000  # held-out seeds
    assert one.bad_rows() == [] and one.absent() == []
    video = one.load(refs[0]).video
    assert video.shape == (3, 9, 64, 64) and video.min() >= 0 and video.max() <= 1
    assert video[:, 1:].ne(video[:, :-1]).any()  # the square moves
    for ref, again in zip(refs, two.refs(), strict=True):
        assert torch.equal(one.load(ref).video, two.load(again).video)
    assert one.info().name == "example-squares" and one.info().version is None  # no marker


def test_reader_reports_bad_rows_and_absent_clips(squares, tmp_path):
    (tmp_path / "squares.csv").write_text(
        "clip_id,file,seed\na,clips/a.mp4,1\nb,clips/b.mp4\na,clips/c.mp4,3\n",
        encoding="utf-8",
    )
    reader = squares.MovingSquaresDataset(tmp_path, sampling=FrameSampling())
    assert reader.refs() == []
    assert [(e.sample_id, e.reason) for e in reader.absent()] == [("a", "file not found")]
    assert [(e.sample_id, e.reason) for e in reader.bad_rows()] == [
        ("row-3", "2 fields, the header has 3"),
        ("row-4", "duplicate clip_id a"),
    ]


@pytest.mark.slow  # a CLI subprocess
def test_cli_runs_the_example_task_on_its_own_demo_set(tmp_path):
    site = declare_entry_points(tmp_path / "site")
    path = [str(site), str(EXAMPLE), str(REPO), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p),
           "PYRATOK_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "--task", "example-flicker",
         "--tokenizer", "example-posterize", "--output", str(tmp_path / "out"), "--no-progress"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "DEMO DATA" in done.stdout
    summary = json.loads(
        (tmp_path / "out" / "example-flicker" / "example-posterize" / "summary.json").read_text()
    )
    assert summary["demo_data"] and summary["dataset"]["name"] == "example-squares"
    assert summary["dataset"]["version"] == "demo-v1"
    assert summary["n_samples"] == 6 and summary["n_failed"] == 0
    assert 0 < summary["metrics"]["flicker_mae"] < summary["metrics"]["mae"]
    demo = tmp_path / "cache" / "demo" / "example-squares-v1"
    with (demo / "squares.csv").open(encoding="utf-8") as handle:
        assert all(int(row["seed"]) >= 10_000_000 for row in csv.DictReader(handle))
