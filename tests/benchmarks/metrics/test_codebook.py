"""Codebook usage and perplexity, pooled over clips, against a direct computation."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.metrics.codebook import (
    CodebookRecordError,
    clip_codes,
    pooled_usage,
    run_usage,
)


def _reference(clips: list[list[np.ndarray]], vocab: int) -> tuple[float, float]:
    """Usage and perplexity straight from every token of every clip and level."""
    tokens = Counter(int(x) for levels in clips for level in levels for x in level.ravel())
    n = sum(tokens.values())
    entropy = -sum(c / n * math.log2(c / n) for c in tokens.values())
    return len(tokens) / vocab, 2.0**entropy


def test_pooled_over_clips_and_levels_matches_a_direct_count():
    rng = np.random.default_rng(0)
    vocab = 64
    clips = [[rng.integers(0, vocab, (2, 3, 3)), rng.integers(0, 8, (1, 2, 2))]
             for _ in range(5)]
    arrays = []
    for i, levels in enumerate(clips):
        batch = [torch.from_numpy(np.stack([lvl, lvl])) for lvl in levels]  # clip i twice
        arrays.append((f"c{i}", clip_codes(batch, 1)))
    metrics, extra = pooled_usage(arrays, vocab)
    usage, perplexity = _reference(clips, vocab)
    assert metrics["codebook_usage"] == pytest.approx(usage, rel=1e-12)
    assert metrics["codebook_perplexity"] == pytest.approx(perplexity, rel=1e-12)
    info = extra["codebook"]
    assert info["clips"] == 5 and info["tokens"] == 5 * (18 + 4)
    assert [lvl["level"] for lvl in info["levels"]] == [0, 1]
    assert info["levels"][1]["used"] <= 8


def test_uniform_use_of_the_whole_codebook():
    codes = {"codes_l0": np.arange(16), "counts_l0": np.full(16, 3)}
    metrics, _ = pooled_usage([("a", codes)], 16)
    assert metrics == {"codebook_usage": 1.0, "codebook_perplexity": pytest.approx(16.0)}


def test_no_codes_is_undefined_not_zero():
    metrics, extra = pooled_usage([("a", {}), ("b", {"rfvd_real": np.zeros(3)})], 16)
    assert metrics == {"codebook_usage": None, "codebook_perplexity": None}
    assert extra["codebook"]["clips"] == 0


class _Record:
    def __init__(self, sample_id: str, arrays: dict) -> None:
        self.sample_id, self._arrays = sample_id, arrays

    def arrays(self) -> dict:
        return self._arrays


@pytest.mark.parametrize("codes, counts", [
    ([0, 16], [1, 1]),  # past the codebook
    ([-1, 2], [1, 1]),
    ([1, 2], [0, 1]),  # a count of zero
    ([1, 2], [1]),  # lengths differ
])
def test_changed_record_names_the_file_and_sample(codes, counts, tmp_path: Path):
    record = _Record("clip-7", {"codes_l0": np.array(codes), "counts_l0": np.array(counts)})
    with pytest.raises(CodebookRecordError, match=r"samples\.jsonl \(sample clip-7\).*--no-resume"):
        run_usage([record], 16, run_dir=tmp_path)


def test_continuous_tokenizer_has_no_usage(tmp_path: Path):
    assert run_usage([_Record("a", {})], None, run_dir=tmp_path) == ({}, {})
