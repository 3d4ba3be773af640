"""Codebook usage of a discrete tokenizer over a run: utilisation and perplexity.

Per clip, each level's token indices are stored as their distinct values and counts (the
run's side file, so a resumed or merged run pools the same counts); ``finalize`` pools
every clip:

- ``codebook_usage`` — distinct indices used anywhere in the run (all levels pooled) /
  ``vocab_size``, in [0, 1]: the paper's "codebook utilization" (App. C.4, Fig. 29: used
  entries over the vocabulary). It grows with the number of clips: compare runs of the
  same clip count (the summary records it, ``codebook.tokens``).
- ``codebook_perplexity`` — ``2^H`` of the pooled index frequencies (``H`` in bits): the
  effective number of entries in use, as VQ papers report it (e.g. VQ-VAE-2, Razavi et al.
  2019; MAGVIT-v2 tables).

Per level values go under ``evaluation.extra["codebook"]``. Continuous tokenizers have no
token indices (nor have codecs): the metrics are reported unavailable with that reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor

CODES = "codes_l"  # side-file keys: codes_l<level>, counts_l<level>
COUNTS = "counts_l"
METRICS = ("codebook_usage", "codebook_perplexity")
CONTINUOUS = "not a discrete tokenizer: no token indices"


class CodebookRecordError(ValueError):
    """A stored clip's codes are not a codebook's (changed after the run wrote them)."""


def clip_codes(indices: list[Tensor], clip: int) -> dict[str, np.ndarray]:
    """Side-file arrays of clip ``clip`` of ``Encoded.indices``: per level the sorted
    distinct indices (int64) and their counts (int64)."""
    return merged_codes([indices], clip=clip)


def merged_codes(windows: list[list[Tensor]], *, clip: int = 0) -> dict[str, np.ndarray]:
    """Side-file arrays of one clip encoded in one or several windows (each window's
    ``Encoded.indices``): per level, the distinct indices over the windows and their
    counts."""
    out: dict[str, np.ndarray] = {}
    for level in range(len(windows[0])):
        values = np.concatenate([w[level][clip].detach().cpu().numpy().ravel()
                                 for w in windows])
        codes, counts = np.unique(values, return_counts=True)
        out[f"{CODES}{level}"] = codes.astype(np.int64)
        out[f"{COUNTS}{level}"] = counts.astype(np.int64)
    return out


def _levels(arrays: dict[str, np.ndarray]) -> list[int]:
    return sorted(int(k[len(CODES):]) for k in arrays if k.startswith(CODES))


def run_usage(
    records: Iterable[Any], vocab_size: int | None, *, run_dir: Path | None
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """``(metrics, extra)`` over a run's stored records (``sample_id`` and ``arrays()``);
    ``({}, {})`` for a tokenizer without a codebook (``vocab_size`` ``None``). A record
    whose codes were changed after the run wrote them gives one message naming the run's
    samples file and the sample."""
    from benchmarks.store import SAMPLES

    if vocab_size is None:
        return {}, {}
    pairs = ((r.sample_id, r.arrays()) for r in records)
    store = str(run_dir / SAMPLES) if run_dir is not None else SAMPLES
    return pooled_usage(pairs, vocab_size, store=store)


def pooled_usage(
    clips: Iterable[tuple[str, dict[str, np.ndarray]]], vocab_size: int, *, store: str = ""
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """``(metrics, extra)`` over ``(sample_id, side-file arrays)`` of the clips (those
    without codes are skipped). Raises :class:`CodebookRecordError` for codes outside
    ``[0, vocab_size)``, non-positive counts or mismatched lengths."""
    per_level: dict[int, Counter[int]] = {}
    n_clips = 0
    for sample_id, arrays in clips:
        levels = _levels(arrays)
        if not levels:
            continue
        n_clips += 1
        for level in levels:
            codes, counts = arrays[f"{CODES}{level}"], arrays.get(f"{COUNTS}{level}")
            if (counts is None or codes.shape != counts.shape or codes.ndim != 1
                    or (codes.size and (codes.min() < 0 or codes.max() >= vocab_size))
                    or (counts.size and counts.min() < 1)):
                raise CodebookRecordError(
                    f"{store} (sample {sample_id}): level {level}'s stored codes are not "
                    f"indices of a {vocab_size}-entry codebook with positive counts; the "
                    "record changed since the run wrote it: delete its line to score the "
                    "clip again, or rerun with --no-resume")
            per_level.setdefault(level, Counter()).update(
                dict(zip(codes.tolist(), counts.tolist(), strict=True)))
    if not per_level:
        return {name: None for name in METRICS}, {"codebook": {"clips": 0}}
    pooled: Counter[int] = sum(per_level.values(), Counter())
    levels_extra = [
        {"level": level, "used": len(c), "usage": len(c) / vocab_size,
         "perplexity": _perplexity(c.values()), "tokens": sum(c.values())}
        for level, c in sorted(per_level.items())
    ]
    metrics = {"codebook_usage": len(pooled) / vocab_size,
               "codebook_perplexity": _perplexity(pooled.values())}
    extra = {"codebook": {"clips": n_clips, "vocab_size": vocab_size, "used": len(pooled),
                          "tokens": sum(pooled.values()), "levels": levels_extra}}
    return metrics, extra


def _perplexity(counts: Iterable[int]) -> float:
    """``2^H`` of the empirical distribution given by ``counts`` (H in bits)."""
    c = np.fromiter(counts, dtype=np.float64)
    p = c / c.sum()
    return float(2.0 ** -(p * np.log2(p)).sum())
