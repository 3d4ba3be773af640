"""The typed dataset -> family contract: every registered reader declares the annotation
kind its refs carry (``annotation``), and the built-in readers' refs carry exactly it."""

from __future__ import annotations

import pickle

import pytest
import yaml

from benchmarks.datasets import DATASETS
from benchmarks.datasets.annotation import (
    ClassLabel,
    MultipleChoice,
    TemporalSegments,
    VideoTracks,
)
from benchmarks.datasets.demo import demo_root
from benchmarks.io.sampling import FrameSampling
from tests.helpers.paths import REPO

KINDS = (ClassLabel, TemporalSegments, VideoTracks, MultipleChoice)
TASKS = REPO / "tasks"


@pytest.mark.parametrize("name", DATASETS.names())
def test_every_reader_declares_its_annotation_kind(name):
    kind = DATASETS.get(name).annotation
    assert kind is None or kind in KINDS, f"{name}: annotation = {kind!r}"


def _demo_tasks() -> list[tuple[str, dict]]:
    """``(dataset, dataset_args)`` of the first task file of each dataset with a demo set."""
    seen: dict[str, dict] = {}
    for path in sorted(TASKS.glob("*.yaml")):
        task = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = task["dataset"]
        if name not in seen and DATASETS.get(name).demo is not None:
            seen[name] = dict(task.get("dataset_args") or {})
    return sorted(seen.items())


@pytest.mark.parametrize(("name", "args"), _demo_tasks())
def test_demo_refs_carry_the_declared_kind_and_pickle(name, args):
    reader_cls = DATASETS.get(name)
    reader = reader_cls(demo_root(name), sampling=FrameSampling(resize_shorter=None, crop=None),
                        **args)
    refs = reader.refs()
    assert refs, name
    kind = reader_cls.annotation
    assert all(type(r.annotation) is kind if kind else r.annotation is None for r in refs)
    assert pickle.loads(pickle.dumps(refs[0])) == refs[0]  # DataLoader workers get refs
