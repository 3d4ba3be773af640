"""Temporal consistency against an independent numpy computation, and the CLIP frame
embedder against the transformers model fed by ``CLIPImageProcessor`` (the official
preprocessing), on fixture frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.features.frames import open_frame_embedder
from benchmarks.metrics.functional.temporal_consistency import temporal_consistency
from tests.helpers.datasets import moving_frames
from tests.helpers.tiny_t2v import build_tiny_clip


def _numpy_tc(embeddings: np.ndarray) -> np.ndarray:
    """(b, t, d) -> (b,): 100 x mean_t cos(e_t, e_t+1), written out by hand."""
    out = []
    for clip in embeddings:
        cosines = [float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
                   for a, b in zip(clip[:-1], clip[1:], strict=True)]
        out.append(100.0 * sum(cosines) / len(cosines))
    return np.array(out)


def test_tc_is_100_times_the_mean_consecutive_cosine():
    embeddings = np.random.default_rng(0).normal(size=(3, 6, 5))
    ours = temporal_consistency(torch.from_numpy(embeddings)).numpy()
    np.testing.assert_allclose(ours, _numpy_tc(embeddings), rtol=1e-12)
    static = torch.ones(1, 4, 3)  # identical frames: exactly 100, the top of the scale
    assert temporal_consistency(static).item() == pytest.approx(100.0)
    with pytest.raises(ValueError, match="t >= 2"):
        temporal_consistency(torch.ones(2, 1, 3))


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory) -> Path:
    return build_tiny_clip(tmp_path_factory.mktemp("clip") / "clip", image_size=32)


def test_tc_clip_matches_the_model_on_processor_inputs(clip_folder: Path):
    from transformers import CLIPImageProcessor, CLIPModel

    frames = moving_frames(1, frames=5, height=32, width=32)  # (t, h, w, 3) uint8 fixture
    video = torch.from_numpy(frames).permute(3, 0, 1, 2)[None].float() / 127.5 - 1  # (1,3,t,h,w)
    embedder, why = open_frame_embedder("clip", device=torch.device("cpu"),
                                        clip_path=str(clip_folder))
    assert why is None and embedder.metric_name == "tc_clip"
    ours = temporal_consistency(embedder(video)).numpy()

    processor = CLIPImageProcessor(size={"shortest_edge": 32},
                                   crop_size={"height": 32, "width": 32})
    pixels = processor(images=list(frames), return_tensors="pt")["pixel_values"]
    model = CLIPModel.from_pretrained(str(clip_folder)).eval()
    with torch.no_grad():
        out = model.get_image_features(pixel_values=pixels)
    reference = (out if torch.is_tensor(out) else out.pooler_output).double().numpy()[None]
    np.testing.assert_allclose(ours, _numpy_tc(reference), atol=1e-4)
    assert 0 < ours[0] <= 100


def test_tc_clip_without_a_folder_is_unavailable_with_the_fix():
    embedder, why = open_frame_embedder("clip", device=torch.device("cpu"))
    assert embedder is None and "--task-arg clip=DIR" in why
