"""The task-family contract: an ABC whose capabilities are declared class variables."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from benchmarks.cli import main
from benchmarks.families import TASK_FAMILIES
from benchmarks.families.base import MetricInfo, SampleResult, ScoreMode, TaskFamily
from benchmarks.families.conformance import family_problems
from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.identity import IdentityTokenizer


class Minimal(TaskFamily):
    name = "minimal"
    metrics: ClassVar[tuple[MetricInfo, ...]] = (MetricInfo("m", True),)

    def score(self, samples):
        return [SampleResult() for _ in samples]


def test_a_family_without_score_cannot_be_instantiated():
    class NoScore(TaskFamily):
        name = "no-score"
        metrics: ClassVar[tuple[MetricInfo, ...]] = (MetricInfo("m", True),)

    with pytest.raises(TypeError, match="abstract method.*score"):
        NoScore(None, None, None, device=None)
    assert family_problems(NoScore) == ["NoScore does not implement score"]
    assert family_problems(Minimal) == []


def test_a_score_mode_without_its_readers_is_abstract():
    class HalfScore(Minimal, ScoreMode):
        @classmethod
        def score_evaluate(cls, ground_truth, predictions, params):
            raise AssertionError

    assert family_problems(HalfScore) == [
        "HalfScore does not implement score_ground_truth, score_predictions"]
    assert HalfScore.supports_score() and not Minimal.supports_score()


@pytest.mark.parametrize("name", TASK_FAMILIES.names())
def test_every_registered_family_meets_the_contract(name):
    assert family_problems(TASK_FAMILIES.get(name)) == []


@pytest.mark.parametrize("name", TASK_FAMILIES.names())
@pytest.mark.parametrize("declared", ["name", "metrics", "requires", "sweeps",
                                      "prediction_files", "unhashed_params",
                                      "needs_annotation"])
def test_a_family_missing_or_misdeclaring_a_class_variable_fails(name, declared):
    family = TASK_FAMILIES.get(name)
    value = None if declared in ("name", "metrics") else 42  # None: as if never declared
    broken = type(f"Broken{family.__name__}", (family,), {declared: value})
    assert family_problems(broken), f"{name}: a bad {declared} passed the conformance check"


def test_sweeps_name_params_fields():
    family = TASK_FAMILIES.get("compression")
    assert dict(family.sweeps) == {"rates": "target_bpp", "qps": "quality"}
    broken = type("BadSweep", (family,), {"sweeps": {"rates": "no_such_field"}})
    assert any(p.startswith("sweeps:") for p in family_problems(broken))
    fields = {f.name for f in dataclasses.fields(family.Params)}
    assert set(family.sweeps.values()) <= fields


def _encode_only():
    tokenizer = IdentityTokenizer()
    tokenizer.spec = dataclasses.replace(tokenizer.spec, name="encode-only",
                                         capabilities=frozenset({"features"}))
    return tokenizer


def test_reconstruction_declares_decode_and_refuses_a_tokenizer_without_it(
        monkeypatch, tmp_path, capsys):
    assert "decode" in TASK_FAMILIES.get("reconstruction").requires
    monkeypatch.setattr(TOKENIZERS, "_entries", dict(TOKENIZERS._entries))
    TOKENIZERS.register("encode-only")(_encode_only)
    code = main(["run", "--task", "webvid", "--tokenizer", "encode-only", "--limit", "1",
                 "--output", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "'encode-only' lacks decode" in err


def test_list_shows_each_familys_declared_needs_and_prediction_files(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    families = out[out.index("families ("):]
    for name in TASK_FAMILIES.names():
        family = TASK_FAMILIES.get(name)
        assert f"  {name} " in families
        for file, what in family.prediction_files.items():
            assert f"      {file}: {what}\n" in families
    assert "  reconstruction   requires decode\n" in families


def test_a_task_pairing_a_family_with_a_dataset_without_its_annotations_is_refused(
        tmp_path, capsys):
    (tmp_path / "webvid-top1.yaml").write_text(
        "task: webvid-top1\nfamily: classification\ndataset: webvid\n")
    code = main(["run", "--task", "webvid-top1", "--tokenizer", "identity",
                 "--include-path", str(tmp_path), "--output", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "family 'classification' reads ClassLabel annotations, but dataset 'webvid' " \
        "gives none" in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("name", TASK_FAMILIES.names())
def test_every_built_in_task_pairs_its_family_with_a_dataset_that_has_its_annotations(name):
    from benchmarks.config import task_files
    from benchmarks.datasets import DATASETS

    family = TASK_FAMILIES.get(name)
    for task in task_files().values():
        if task.family == name and family.needs_annotation is not None:
            dataset = DATASETS.get(str(task.raw["dataset"]))
            assert dataset.annotation is family.needs_annotation, task.name


def test_bootstrap_statistics_come_with_their_evaluation_and_a_finalize():
    class HalfCheap(Minimal):
        def finalize(self, records, info):
            return super().finalize(records, info)

        def bootstrap_statistics(self, records, info):
            return records

    class MeanCheap(Minimal):
        def bootstrap_statistics(self, records, info):
            return records

        def evaluate_statistics(self, statistics, order):
            return {}

    assert "implement both" in family_problems(HalfCheap)[0]
    assert family_problems(MeanCheap) == [
        "bootstrap_statistics: only for a family with its own finalize"]
