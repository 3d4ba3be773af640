"""V-JEPA features of JEDi (protocol ``jedi``).

Luo et al., "Beyond FVD: Enhanced Evaluation Metrics for Video Generation Quality",
ICLR 2025; package ``videojedi``: ``videojedi/V_JEPA.py`` builds, from
``configs/vith16_ssv2_16x2x3.yaml``, the V-JEPA ViT-H/16 encoder (``vit_huge``,
``img_size=224, patch_size=16, num_frames=16, tubelet_size=2, uniform_power=True,
use_sdpa=True, use_SiLU=False, tight_SiLU=False``; ``target_encoder`` of
``vith16.pth.tar``) and the SSv2 attentive probe (``AttentiveClassifier(embed_dim,
num_heads, depth=1, num_classes=174)``, ``classifier`` of ``ssv2-probe.pth.tar``);
``VJEPA.get_feats`` normalises [0, 1] frames with the ImageNet mean/std and returns
``classifier.pooler(encoder(x)).squeeze(1)`` (1280-d). With one clip and one view,
``ClipAggregation(attend_across_segments=True)`` passes the encoder's tokens through
unchanged, so the harness calls the encoder directly.

The harness builds the network itself from the ``vjepa`` package (the one ``videojedi``
imports) instead of calling ``VJEPA()``: that downloads its YAML config from GitHub at
every start, initialises a ``gloo`` process group, and loads the probe inside a
``try/except`` that leaves it random on failure. Here both files are loaded strictly.

Unavailable without both files (the ``weights_path`` folder, ``$PYRATOK_VJEPA`` folder,
or ``<torch hub dir>/checkpoints/``) or without ``vjepa`` (``pip install --no-deps
vjepa``).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from benchmarks.features.base import ClipFeatureExtractor, FeatureUnavailable
from benchmarks.features.protocols import JEDI, VJEPA_H16, VJEPA_SSV2_PROBE
from benchmarks.features.weights import load_state

DIM = 1280  # ViT-H embedding width
IMAGENET_MEAN = (0.485, 0.456, 0.406)  # videojedi VJEPA(normalize=...) default
IMAGENET_STD = (0.229, 0.224, 0.225)
ENCODER_KWARGS = {"img_size": 224, "patch_size": 16, "num_frames": 16, "tubelet_size": 2,
                  "uniform_power": True, "use_sdpa": True, "use_SiLU": False,
                  "tight_SiLU": False}
SSV2_CLASSES = 174


class VJEPAPooled(ClipFeatureExtractor):
    """``(b, 3, 16, 224, 224)`` in [0, 1] → ``(b, 1280)`` probe-pooled V-JEPA tokens."""

    def __init__(self, encoder: torch.nn.Module, pooler: torch.nn.Module, weights: str) -> None:
        super().__init__(name="vjepa", metric_name=JEDI.metric, dim=DIM, weights=weights,
                         protocol=JEDI.clip, extra={"encoder": dict(ENCODER_KWARGS)})
        self.encoder, self.pooler = encoder.eval(), pooler.eval()
        self._mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1, 1)
        self._std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1, 1)

    def forward(self, clip: Tensor) -> Tensor:
        clip = (clip.to(self._mean.device) - self._mean) / self._std
        tokens = self.encoder(clip)  # (b, tokens, 1280)
        return self.pooler(tokens).squeeze(1)  # (b, 1280)

    def to(self, device: torch.device) -> VJEPAPooled:
        self.encoder, self.pooler = self.encoder.to(device), self.pooler.to(device)
        self._mean, self._std = self._mean.to(device), self._std.to(device)
        return self


def _strip(state: dict, *prefixes: str) -> dict:
    for prefix in prefixes:
        state = {k.removeprefix(prefix): v for k, v in state.items()}
    return state


def create_vjepa(*, device: torch.device | str = "cpu", weights_path: str | None = None,
                 **_: object) -> VJEPAPooled:
    # weights_path: the folder holding both files
    (encoder_file, encoder_digest), (probe_file, probe_digest) = (
        weights.checked(weights_path and str(Path(weights_path) / weights.file_name),
                        what="a V-JEPA file of JEDi")
        for weights in (VJEPA_H16, VJEPA_SSV2_PROBE))
    digests = [encoder_digest, probe_digest]
    try:
        from vjepa.models import vit_huge
        from vjepa.models.attentive_pooler import AttentiveClassifier
    except ImportError as err:
        raise FeatureUnavailable(f"jedi builds V-JEPA from the vjepa package "
                                 f"(pip install --no-deps vjepa): {err}") from err
    encoder = vit_huge(**ENCODER_KWARGS)
    checkpoint = torch.load(encoder_file, map_location="cpu", weights_only=False)
    load_state(encoder, _strip(checkpoint["target_encoder"], "module.", "backbone."),
               encoder_file, "the V-JEPA ViT-H/16 target_encoder")
    probe = AttentiveClassifier(embed_dim=encoder.embed_dim, num_heads=encoder.num_heads,
                                depth=1, num_classes=SSV2_CLASSES)
    checkpoint = torch.load(probe_file, map_location="cpu", weights_only=False)
    load_state(probe, _strip(checkpoint["classifier"], "module."), probe_file,
               "the V-JEPA SSv2 attentive probe")
    for p in [*encoder.parameters(), *probe.parameters()]:
        p.requires_grad_(False)
    extractor = VJEPAPooled(encoder, probe.pooler, weights=str(encoder_file.parent))
    extractor.weights_loaded = digests
    return extractor.to(torch.device(device))
