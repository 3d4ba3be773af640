"""LPIPS (Zhang et al., "The Unreasonable Effectiveness of Deep Features as a Perceptual
Metric", CVPR 2018, §3) with the AlexNet or the VGG-16 trunk, equal to the ``lpips``
package v0.1 (``lpips.LPIPS(net="alex" | "vgg")``) without needing torchvision.

The computation, as ``lpips`` does it: inputs in [-1, 1] are shifted and scaled by the
ScalingLayer constants; the trunk's ``features`` are tapped after five ReLUs
(:mod:`benchmarks.metrics.lpips_trunks`); each tap is unit-normalised over channels
(``x / (||x||₂ + 1e-10)``); the squared difference of the two images' taps goes through a
learned 1×1 convolution (one output channel, no bias), is averaged over space, and the
five layers are summed.

Weights, never random: the trunk is torchvision's ImageNet checkpoint
(``alexnet-owt-7be5be79.pth``, ``vgg16-397923af.pth``) read from the torch hub cache, its
SHA-256 checked against the hex digits of its name (a wrong file: :class:`WeightsMismatch`,
one line, exit 2); the five linear layers are ``lpips/weights/v0.1/<net>.pth`` read from
the installed ``lpips`` wheel as a file (importing ``lpips`` would import torchvision).
Either file missing raises ``LpipsUnavailable``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from benchmarks.io.digests import WeightsMismatch, file_digests
from benchmarks.metrics.lpips_trunks import Trunk, trunk

# lpips' ScalingLayer: ImageNet statistics expressed for inputs in [-1, 1].
_SHIFT = (-0.030, -0.088, -0.188)
_SCALE = (0.458, 0.448, 0.450)


class LpipsUnavailable(RuntimeError):
    """LPIPS weights are not on this machine; the message says which file and how to get it."""


# weights on disk


def checkpoint_path(net: str = "alex", hub_dir: str | Path | None = None) -> Path:
    """Where torchvision caches the trunk's ImageNet weights: ``<hub>/checkpoints/<file>``."""
    hub = Path(hub_dir if hub_dir is not None else torch.hub.get_dir())
    return hub / "checkpoints" / trunk(net).checkpoint


def linear_weights_path(net: str = "alex") -> Path | None:
    """``lpips/weights/v0.1/<net>.pth`` of the installed lpips package, without importing it."""
    spec = importlib.util.find_spec("lpips")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / trunk(net).linear_weights


def lpips_unavailable_reason(hub_dir: str | Path | None = None, *, net: str = "alex"
                             ) -> str | None:
    """Why ``load_lpips`` would fail, or ``None`` when both weight files are present."""
    spec = trunk(net)
    path = checkpoint_path(net, hub_dir)
    if not path.is_file():
        return (
            f"LPIPS needs torchvision's {spec.title} ImageNet weights at {path} (not found). "
            f"Download {spec.url} and save it under that exact name, e.g. "
            f"`curl -L --create-dirs -o {path} {spec.url}`, or run "
            f"`python -c \"import torchvision; {spec.torchvision_call}\"` "
            "on a machine with internet access and copy the file from its "
            "$TORCH_HOME/hub/checkpoints/ (set TORCH_HOME to use another hub directory)."
        )
    linear = linear_weights_path(net)
    if linear is None:
        return (
            "LPIPS needs the linear-layer weights shipped in the lpips wheel "
            f"(lpips/{spec.linear_weights.as_posix()}); the lpips package is not installed: "
            "`pip install --no-deps lpips` (the file is read, lpips itself is not imported, "
            "so torchvision is not needed)."
        )
    if not linear.is_file():
        return f"LPIPS linear-layer weights not found at {linear}: reinstall the lpips package."
    return None


def verify_checkpoint(path: Path, spec: Trunk) -> dict[str, str]:
    """Digests of the trunk file; :class:`WeightsMismatch` unless its SHA-256 is the
    published file's (which starts with the hex digits of torchvision's file name, what
    ``torch.hub`` checks on download)."""
    digests = file_digests(path)
    if digests["sha256"] != spec.sha256:
        raise WeightsMismatch(
            f"{path}: not torchvision's {spec.title} checkpoint: its SHA-256 "
            f"{digests['sha256']}, expected {spec.sha256} (the file "
            f"{spec.checkpoint}); delete it and download {spec.url} again")
    return digests


def _load_state(path: Path) -> dict[str, Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable file means "unavailable"
        raise LpipsUnavailable(f"cannot read LPIPS weights {path}: {err}") from err
    if not isinstance(state, dict):
        raise LpipsUnavailable(f"{path} holds a {type(state).__name__}, expected a state dict")
    return state


# module


def _unit_normalize(features: Tensor, eps: float = 1e-10) -> Tensor:
    """lpips' ``normalize_tensor``: divide by the L2 norm over channels (dim 1)."""
    norm = features.square().sum(dim=1, keepdim=True).sqrt()
    return features / (norm + eps)


def _check_pair(pred: Tensor, target: Tensor) -> None:
    if pred.shape != target.shape or pred.ndim < 3 or pred.shape[-3] != 3:
        raise ValueError(
            f"expected pred and target shaped (..., 3, h, w), got {tuple(pred.shape)} "
            f"and {tuple(target.shape)}"
        )


class LPIPS(nn.Module):
    """LPIPS v0.1: one perceptual distance per frame (lower is more similar).

    Constructing it reads both weight files; it never runs with random weights.

    Args:
        net: the trunk, ``"alex"`` (the default) or ``"vgg"``, as ``lpips.LPIPS(net=...)``.
        hub_dir: torch hub directory holding ``checkpoints/<torchvision file>``; ``None``
            uses ``torch.hub.get_dir()``.

    Attributes:
        weights_loaded: ``{"file", "sha256", "git_blob_sha1", "pinned"}`` of the trunk and
            the linear-layer file, for a run's record.

    Raises:
        LpipsUnavailable: a weight file is missing or unreadable; the message names it.
        WeightsMismatch: the trunk file is not torchvision's (its SHA-256).
    """

    def __init__(self, net: str = "alex", *, hub_dir: str | Path | None = None) -> None:
        super().__init__()
        self.trunk = trunk(net)
        reason = lpips_unavailable_reason(hub_dir, net=net)
        if reason is not None:
            raise LpipsUnavailable(reason)
        self.register_buffer("shift", torch.tensor(_SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(_SCALE).view(1, 3, 1, 1), persistent=False)
        self.features = self.trunk.build()[: self.trunk.taps[-1] + 1]
        self.lins = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in self.trunk.channels)
        linear = linear_weights_path(net)
        assert linear is not None  # checked by lpips_unavailable_reason
        self.weights_loaded: list[dict[str, Any]] = [
            self._load_trunk(checkpoint_path(net, hub_dir)), self._load_linear(linear)]
        self.requires_grad_(False)
        self.eval()

    def _load_trunk(self, path: Path) -> dict[str, Any]:
        digests = verify_checkpoint(path, self.trunk)
        state = _load_state(path)
        trunk_state = {
            k.removeprefix("features."): v for k, v in state.items() if k.startswith("features.")
        }
        try:
            self.features.load_state_dict(trunk_state)
        except RuntimeError as err:
            raise LpipsUnavailable(
                f"{path} does not hold torchvision {self.trunk.title} weights "
                f"(features.N.weight/bias): {err}"
            ) from err
        pinned = "sha256 checked"
        return {"file": str(path), **digests, "pinned": pinned}

    def _load_linear(self, path: Path) -> dict[str, Any]:
        state = _load_state(path)
        # lpips names them lin{k}.model.1.weight (index 0 is a Dropout).
        lins = {f"{k}.weight": state.get(f"lin{k}.model.1.weight") for k in range(len(self.lins))}
        missing = [name for name, value in lins.items() if value is None]
        if missing:
            raise LpipsUnavailable(f"{path} lacks the LPIPS linear weights {missing}")
        try:
            self.lins.load_state_dict(lins)
        except RuntimeError as err:
            raise LpipsUnavailable(f"{path}: not the {self.trunk.net} linear layers: {err}") \
                from err
        return {"file": str(path), **file_digests(path), "pinned": "not pinned (lpips wheel)"}

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        """LPIPS of each frame pair.

        Args:
            pred: ``(..., 3, h, w)`` float RGB in [0, 1] (mapped to [-1, 1] internally).
            target: same shape as ``pred``.

        Returns:
            ``(...)`` float32 distances.
        """
        _check_pair(pred, target)
        dtype = self.shift.dtype
        # lpips' own input map (its normalize=True: [0, 1] → [-1, 1]); a metric's
        # convention, not the tokenizer boundary (tokenizers.base owns that one)
        return self.forward_signed(pred.to(dtype) * 2 - 1, target.to(dtype) * 2 - 1)

    def forward_signed(self, pred: Tensor, target: Tensor) -> Tensor:
        """LPIPS of each frame pair already in [-1, 1], as ``lpips.LPIPS.forward(pred,
        target)`` takes them (``normalize=False``).

        Args:
            pred: ``(..., 3, h, w)`` float RGB in [-1, 1].
            target: same shape as ``pred``.

        Returns:
            ``(...)`` float32 distances.
        """
        _check_pair(pred, target)
        lead, (h, w) = pred.shape[:-3], pred.shape[-2:]
        frames = pred.reshape(-1, 3, h, w).shape[0]
        both = torch.cat([pred.reshape(-1, 3, h, w), target.reshape(-1, 3, h, w)])
        x = (both.to(self.shift.dtype) - self.shift) / self.scale  # (2·frames, 3, h, w)
        total = x.new_zeros(frames)
        lins = dict(zip(self.trunk.taps, self.lins, strict=True))
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in lins:
                feats = _unit_normalize(x)
                diff = (feats[:frames] - feats[frames:]).square()  # (frames, c, h', w')
                total = total + lins[index](diff).mean(dim=(1, 2, 3))
        return total.view(lead)


def load_lpips(device: str | torch.device = "cpu", hub_dir: str | Path | None = None, *,
               net: str = "alex") -> LPIPS:
    """LPIPS (v0.1, AlexNet unless ``net="vgg"``) on ``device``, in eval mode, frozen.

    Raises:
        LpipsUnavailable: a weight file is missing; the message names the path expected.
        WeightsMismatch: the trunk file is not torchvision's.
    """
    return LPIPS(net, hub_dir=hub_dir).to(device)


def lpips_if_available(
    enabled: bool, device: str | torch.device = "cpu", *, net: str = "alex"
) -> tuple[LPIPS | None, str | None]:
    """``(model, None)``, or ``(None, reason)`` when the task disables LPIPS or its weights
    are missing: what a family reports under ``unavailable``, never a number. A trunk file
    that is present but wrong is not "unavailable": :class:`WeightsMismatch` stops the run."""
    if not enabled:
        return None, "disabled by the task config (lpips: false)"
    try:
        return load_lpips(device=device, net=net), None
    except LpipsUnavailable as err:
        return None, str(err)
