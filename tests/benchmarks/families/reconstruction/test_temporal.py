"""Temporal flickering in reconstruction summaries: reference, reconstruction, difference;
a still image (COCO) says why it has none; the network scores say what to pass."""

from __future__ import annotations

import pytest

import benchmarks

SMALL = {"frames_per_clip": 9, "resize_shorter": 32, "crop": 32, "latency_frames": None,
         "warmup": 0, "examples": 0, "lpips": False, "progress": False, "limit": 1}


@pytest.mark.slow
def test_webvid_demo_reports_flickering_of_reference_reconstruction_and_difference(tmp_path):
    summary = benchmarks.evaluate("webvid", "avgpool", output=tmp_path, **SMALL)
    m = summary["metrics"]
    ref, recon = m["temporal_flickering_ref"], m["temporal_flickering_recon"]
    assert 0 < ref < 1 and 0 < recon <= 1
    assert m["temporal_flickering_delta"] == pytest.approx(recon - ref, abs=1e-12)
    assert summary["higher_is_better"]["temporal_flickering_delta"] is True
    assert "no static filter" in summary["evaluation"]["temporal"]["temporal_flickering"][
        "definition"]
    why = summary["unavailable"]
    assert "dino_path=DIR" in why["subject_consistency_delta"]
    assert "clip_path=DIR" in why["background_consistency_ref"]
    assert "vfi_path=FILE" in why["motion_smoothness_recon"]


@pytest.mark.slow
def test_a_still_image_has_no_temporal_score_and_says_why(tmp_path):
    summary = benchmarks.evaluate("coco", "avgpool", output=tmp_path,
                                  **{**SMALL, "frames_per_clip": 1})
    assert not any(k.startswith("temporal_flickering") for k in summary["metrics"])
    assert summary["unavailable"]["temporal_flickering_delta"] == (
        "clips have 1 frame(s); temporal_flickering needs at least 2")
    assert "temporal" not in summary["evaluation"]  # nothing temporal was computed
