"""The compression family's streamed fidelity: chunked sums equal the whole-clip metrics."""

from __future__ import annotations

import pytest
import torch

from benchmarks.families.compression.fidelity import ClipFidelity
from benchmarks.metrics.temporal import temporal_flickering


def _clips(t: int = 7) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    ref = torch.rand(t, 3, 12, 16, generator=gen)
    pred = (ref + 0.05 * torch.randn(ref.shape, generator=gen)).clamp(0, 1)
    return ref, pred


def _fidelity(ref: torch.Tensor, pred: torch.Tensor, chunk: int) -> dict[str, float]:
    fidelity = ClipFidelity()
    for s in range(0, ref.shape[0], chunk):
        r, p = ref[s : s + chunk], pred[s : s + chunk]
        fidelity.add(y_pred=p.mean(1) * 255, y_ref=r.mean(1) * 255, rgb_pred=p, rgb_ref=r)
    return fidelity.result()


@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_temporal_flickering_spans_chunk_boundaries(chunk) -> None:
    ref, pred = _clips()
    out = _fidelity(ref, pred, chunk)
    # (c, t, h, w); float32 differences there, float64 sums here: equal to ~1e-8
    expected_ref = float(temporal_flickering(ref.transpose(0, 1)))
    expected_recon = float(temporal_flickering(pred.transpose(0, 1)))
    assert out["temporal_flickering_ref"] == pytest.approx(expected_ref, abs=1e-7)
    assert out["temporal_flickering_recon"] == pytest.approx(expected_recon, abs=1e-7)
    assert out["temporal_flickering_delta"] == pytest.approx(expected_recon - expected_ref,
                                                             abs=1e-7)
    assert out["temporal_flickering_delta"] < 0  # noise added to every frame flickers


def test_one_frame_has_no_temporal_flickering() -> None:
    ref, pred = _clips(t=1)
    out = _fidelity(ref, pred, 1)
    assert "psnr" in out and not any(k.startswith("temporal_flickering") for k in out)
