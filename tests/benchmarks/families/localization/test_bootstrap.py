"""compare's cheap bootstrap draws of the TAL mAP equal the family's own full evaluation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmarks.datasets.annotation import TemporalSegments
from benchmarks.datasets.base import DatasetInfo, SampleRef
from benchmarks.families.base import StoredRecord
from benchmarks.families.localization.family import LocalizationFamily, LocalizationParams
from benchmarks.reporting.compare import _AliasedDataset, alias_order, aliased, draws

CLASSES = [f"class{c}" for c in range(8)]


class _Text:
    def embed_text(self, texts: list[str]) -> torch.Tensor:
        return torch.nn.functional.normalize(torch.ones(len(texts), 4), dim=-1)


class _Dataset:
    def __init__(self, refs: list[SampleRef]) -> None:
        self._refs = refs

    def refs(self):
        yield from self._refs


def _videos(seed: int, n: int) -> tuple[list[SampleRef], list[StoredRecord]]:
    """``n`` videos: coarse similarities (so equal scores occur), random ground truth,
    some Ambiguous spans, one video without ground truth."""
    rng = np.random.default_rng(seed)
    refs, records = [], []
    for v in range(n):
        frames = int(rng.integers(20, 60))
        times = np.arange(frames + 1) / 8.0
        similarity = np.round(rng.normal(0.2, 0.3, (len(CLASSES), frames)), 1).astype(np.float32)
        segments = []
        for _ in range(int(rng.integers(0, 4)) if v else 0):
            start = float(rng.uniform(0, frames / 8 - 1))
            segments.append((CLASSES[int(rng.integers(0, 5))], start,
                             start + float(rng.uniform(0.3, 2.5))))
        ambiguous = ((1.0, 1.5),) if v % 3 == 0 else ()
        sid = f"video_{v:02d}"
        refs.append(SampleRef(sample_id=sid, path=f"{sid}.mp4", annotation=TemporalSegments(
            tuple(sorted(segments, key=lambda s: s[1])), ambiguous)))
        arrays = {"similarity": similarity, "times": times}
        records.append(StoredRecord(sid, f"{sid}.mp4", {}, None, None,
                                    load_arrays=lambda a=arrays: a))
    return refs, records


@pytest.mark.parametrize("protocol", ["seen_unseen", "all_classes"])
def test_cached_statistics_equal_the_full_evaluation_on_resampled_sets(protocol):
    refs, records = _videos(0, 14)
    params = LocalizationParams(protocol=protocol, split_seeds=(0, 1, 2), window=5,
                                tau_grid=(-0.1, 0.1, 0.2, 0.3), tau=0.2)
    info = DatasetInfo(name="toy", root="", split="test", classes=CLASSES)
    picks = draws(len(records), 6, seed=3)
    full = LocalizationFamily(None, params, _Text(), device=torch.device("cpu"))
    full.setup(_AliasedDataset(_Dataset(refs), int(max(np.bincount(r).max() for r in picks))),
               info)
    cheap = LocalizationFamily(None, params, _Text(), device=torch.device("cpu"))
    cheap.setup(_Dataset(refs), info)
    statistics = cheap.bootstrap_statistics(records, info)
    ids = [r.sample_id for r in records]
    # the whole set, then seeded resamples (repeats enter as aliases, as compare draws them)
    for row in [np.arange(len(records)), *picks]:
        expected = full.finalize(aliased(records, row), info).metrics["average_mAP"]
        order = np.array([i for _, i in alias_order(ids, row)])
        got = cheap.evaluate_statistics(statistics, order)["average_mAP"]
        assert expected is not None and got == pytest.approx(expected, abs=1e-9, rel=0)


def test_a_draw_without_ground_truth_has_no_map_and_excluded_videos_count_nothing():
    refs, records = _videos(1, 4)
    params = LocalizationParams(protocol="all_classes", window=5, exclude_videos=("video_03",))
    info = DatasetInfo(name="toy", root="", split="test", classes=CLASSES)
    family = LocalizationFamily(None, params, _Text(), device=torch.device("cpu"))
    family.setup(_Dataset(refs), info)
    statistics = family.bootstrap_statistics(records, info)
    assert family.evaluate_statistics(statistics, np.array([0, 0]))["average_mAP"] is None
    whole = family.evaluate_statistics(statistics, np.array([0, 1, 2, 3]))["average_mAP"]
    assert whole is not None and whole \
        == pytest.approx(family.finalize(records, info).metrics["average_mAP"], abs=1e-9) \
        == pytest.approx(family.finalize(records[:3], info).metrics["average_mAP"], abs=1e-9)
