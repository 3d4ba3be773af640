"""Clip feature extractors for Fréchet distances, in their own registry.

- ``i3d``: the TorchScript I3D (``i3d_torchscript.pt``) of the FVD protocol that
  StyleGAN-V (Skorokhodov et al. 2022, ``src/metrics/frechet_video_distance.py``) uses;
  its distance is reported as ``fvd`` / ``rfvd``. See :mod:`benchmarks.features.i3d`.
- ``effnet_lite0``: the ImageNet EfficientNet-Lite0 of the ``efficientnet-lite0-pytorch-
  model`` wheel, per frame, averaged over time; its distance is reported as
  ``fd_effnet_lite0`` (never under the name FVD). See :mod:`benchmarks.features.effnet`.

- ``pixels8``: 8×8 average-pooled pixels (no network), ``fd_pixels8``, for tests.
- ``i3d_videogpt``, ``videomae_v2``, ``vjepa``: the networks of the ``fvd-videogpt``,
  ``cd-fvd`` and ``jedi`` protocols (weights from local paths; none ship).

Which extractor, weights, clip preparation, sample count and distance make a number is a
named protocol: :mod:`benchmarks.features.protocols`.

Third-party packages add extractors through the ``benchmarks.features`` entry-point group.
"""

from __future__ import annotations

from benchmarks.registry import Registry

FEATURE_EXTRACTORS: Registry = Registry(
    "feature extractor", entry_point_group="benchmarks.features"
)

FEATURE_EXTRACTORS.add_lazy("i3d", "benchmarks.features.i3d:create_i3d")
FEATURE_EXTRACTORS.add_lazy("effnet_lite0", "benchmarks.features.effnet:create_effnet_lite0")
FEATURE_EXTRACTORS.add_lazy("pixels8", "benchmarks.features.pixels:create_pixels8")
FEATURE_EXTRACTORS.add_lazy("i3d_videogpt",
                            "benchmarks.features.i3d_videogpt:create_i3d_videogpt")
FEATURE_EXTRACTORS.add_lazy("videomae_v2", "benchmarks.features.videomae:create_videomae_v2")
FEATURE_EXTRACTORS.add_lazy("vjepa", "benchmarks.features.vjepa:create_vjepa")

__all__ = ["FEATURE_EXTRACTORS"]
