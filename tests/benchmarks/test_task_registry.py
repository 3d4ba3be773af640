"""Smoke tests parametrized over every task YAML and every registered task family."""

from __future__ import annotations

import dataclasses
import math

import pytest

import benchmarks
from benchmarks.datasets.demo import DEMO_DATASETS
from benchmarks.families import TASK_FAMILIES
from benchmarks.families.base import MetricInfo, TaskFamily
from benchmarks.runner import resolve_task


@pytest.mark.parametrize("name", TASK_FAMILIES.names())
def test_every_task_family_declares_its_interface(name):
    family = TASK_FAMILIES.get(name)
    assert issubclass(family, TaskFamily) and family.name == name
    assert family.metrics and all(isinstance(m, MetricInfo) for m in family.metrics)
    assert family.Params is None or dataclasses.is_dataclass(family.Params)
    # every summary states how the family aggregates: one that replaces the default
    # per-sample mean (its own finalize) must say how, not keep the default sentence
    if family.finalize is not TaskFamily.finalize:
        assert family.aggregation != TaskFamily.aggregation, f"{name}: state its aggregation"


@pytest.mark.parametrize("task", benchmarks.list_tasks())
def test_every_task_parses_and_runs_one_demo_sample(task, tmp_path):
    config, _, family = resolve_task(task, include_paths=[], overrides={})
    assert config.task == task and family.name == config.family
    if config.dataset not in DEMO_DATASETS:
        pytest.skip(f"{task}: no bundled demo set for dataset {config.dataset!r}")
    # the weight-free identity where the family takes it, else the bundled text-aligned PyraTok
    _, params, _ = resolve_task(task, include_paths=[], overrides={}, demo=True)
    # generation tasks also need a generator: the weight-free real-copy one (noise for
    # text-to-video, which has no held-out split to copy from)
    generator = {"generation": "real-copy", "t2v": "noise"}.get(config.family)
    extra = {"generator": generator} if generator else {}
    if generator:
        params = dataclasses.replace(params, generator=generator)
    identity = benchmarks.create_tokenizer("identity")
    tokenizer = "identity" if family.check_tokenizer(identity, params) is None else "pyratok"
    summary = benchmarks.evaluate(task, tokenizer, limit=1, output=tmp_path, progress=False,
                                  **extra)
    assert summary["n_samples"] == 1 and summary["n_failed"] == 0 and summary["demo_data"]
    assert summary["aggregation"] == family.aggregation
    names = {m.name for m in family.metrics}
    assert set(summary["metrics"]) | set(summary["unavailable"]) <= names
    # undefined on one sample (e.g. a mAP without ground truth) is None, never NaN
    assert all(v is None or not math.isnan(v) for v in summary["metrics"].values())
