"""LPIPS with the AlexNet trunk (Zhang et al., "The Unreasonable Effectiveness of Deep
Features as a Perceptual Metric", CVPR 2018, §3), equal to the ``lpips`` package v0.1
(``lpips.LPIPS(net="alex")``) without needing torchvision.

The computation, as ``lpips`` does it: inputs in [-1, 1] are shifted and scaled by the
ScalingLayer constants; AlexNet's ``features`` are tapped after its five ReLUs; each tap is
unit-normalised over channels (``x / (||x||₂ + 1e-10)``); the squared difference of the two
images' taps goes through a learned 1×1 convolution (one output channel, no bias), is
averaged over space, and the five layers are summed.

Weights, never random: the AlexNet trunk is torchvision's ImageNet checkpoint
``alexnet-owt-7be5be79.pth`` read from the torch hub cache, and the five linear layers are
``lpips/weights/v0.1/alex.pth`` read from the installed ``lpips`` wheel as a file (importing
``lpips`` would import torchvision). Either file missing raises ``LpipsUnavailable``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from torch import Tensor, nn

ALEXNET_CHECKPOINT = "alexnet-owt-7be5be79.pth"
ALEXNET_URL = f"https://download.pytorch.org/models/{ALEXNET_CHECKPOINT}"
LINEAR_WEIGHTS = Path("weights", "v0.1", "alex.pth")  # inside the lpips package

# lpips' ScalingLayer: ImageNet statistics expressed for inputs in [-1, 1].
_SHIFT = (-0.030, -0.088, -0.188)
_SCALE = (0.458, 0.448, 0.450)
# Indices in ``features`` of the ReLUs whose outputs are compared (lpips' relu1..relu5).
_TAPS = (1, 4, 7, 9, 11)
_TAP_CHANNELS = (64, 192, 384, 256, 256)


class LpipsUnavailable(RuntimeError):
    """LPIPS weights are not on this machine; the message says which file and how to get it."""


# weights on disk


def alexnet_checkpoint_path(hub_dir: str | Path | None = None) -> Path:
    """Where torchvision caches the AlexNet ImageNet weights: ``<hub>/checkpoints/<file>``."""
    return (
        Path(hub_dir if hub_dir is not None else torch.hub.get_dir())
        / "checkpoints"
        / (ALEXNET_CHECKPOINT)
    )


def linear_weights_path() -> Path | None:
    """``lpips/weights/v0.1/alex.pth`` of the installed lpips package, without importing it."""
    spec = importlib.util.find_spec("lpips")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / LINEAR_WEIGHTS


def lpips_unavailable_reason(hub_dir: str | Path | None = None) -> str | None:
    """Why ``load_lpips`` would fail, or ``None`` when both weight files are present."""
    alexnet = alexnet_checkpoint_path(hub_dir)
    if not alexnet.is_file():
        return (
            f"LPIPS needs torchvision's AlexNet ImageNet weights at {alexnet} (not found). "
            f"Download {ALEXNET_URL} and save it under that exact name, e.g. "
            f"`curl -L --create-dirs -o {alexnet} {ALEXNET_URL}`, or run "
            "`python -c \"import torchvision; torchvision.models.alexnet(weights='DEFAULT')\"` "
            "on a machine with internet access and copy the file from its "
            "$TORCH_HOME/hub/checkpoints/ (set TORCH_HOME to use another hub directory)."
        )
    linear = linear_weights_path()
    if linear is None:
        return (
            "LPIPS needs the linear-layer weights shipped in the lpips wheel "
            f"(lpips/{LINEAR_WEIGHTS.as_posix()}); the lpips package is not installed: "
            "`pip install --no-deps lpips` (the file is read, lpips itself is not imported, "
            "so torchvision is not needed)."
        )
    if not linear.is_file():
        return f"LPIPS linear-layer weights not found at {linear}: reinstall the lpips package."
    return None


def _load_state(path: Path) -> dict[str, Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable file means "unavailable"
        raise LpipsUnavailable(f"cannot read LPIPS weights {path}: {err}") from err
    if not isinstance(state, dict):
        raise LpipsUnavailable(f"{path} holds a {type(state).__name__}, expected a state dict")
    return state


# modules


def alexnet_features() -> nn.Sequential:
    """AlexNet's convolutional trunk, indexed exactly as torchvision's ``alexnet().features``.

    Same module indices, so the checkpoint's ``features.N.weight``/``features.N.bias`` load.
    """
    return nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),  # 0
        nn.ReLU(inplace=True),  # 1: relu1
        nn.MaxPool2d(kernel_size=3, stride=2),  # 2
        nn.Conv2d(64, 192, kernel_size=5, padding=2),  # 3
        nn.ReLU(inplace=True),  # 4: relu2
        nn.MaxPool2d(kernel_size=3, stride=2),  # 5
        nn.Conv2d(192, 384, kernel_size=3, padding=1),  # 6
        nn.ReLU(inplace=True),  # 7: relu3
        nn.Conv2d(384, 256, kernel_size=3, padding=1),  # 8
        nn.ReLU(inplace=True),  # 9: relu4
        nn.Conv2d(256, 256, kernel_size=3, padding=1),  # 10
        nn.ReLU(inplace=True),  # 11: relu5
        nn.MaxPool2d(kernel_size=3, stride=2),  # 12: unused by LPIPS
    )


def _unit_normalize(features: Tensor, eps: float = 1e-10) -> Tensor:
    """lpips' ``normalize_tensor``: divide by the L2 norm over channels (dim 1)."""
    norm = features.square().sum(dim=1, keepdim=True).sqrt()
    return features / (norm + eps)


class LPIPS(nn.Module):
    """LPIPS v0.1, AlexNet trunk: one perceptual distance per frame (lower is more similar).

    Constructing it reads both weight files; it never runs with random weights.

    Args:
        hub_dir: torch hub directory holding ``checkpoints/alexnet-owt-7be5be79.pth``;
            ``None`` uses ``torch.hub.get_dir()``.

    Raises:
        LpipsUnavailable: a weight file is missing or unreadable; the message names it.
    """

    def __init__(self, *, hub_dir: str | Path | None = None) -> None:
        super().__init__()
        reason = lpips_unavailable_reason(hub_dir)
        if reason is not None:
            raise LpipsUnavailable(reason)
        self.register_buffer("shift", torch.tensor(_SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(_SCALE).view(1, 3, 1, 1), persistent=False)
        self.features = alexnet_features()
        self.lins = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in _TAP_CHANNELS)
        self._load_trunk(alexnet_checkpoint_path(hub_dir))
        self._load_linear(linear_weights_path())  # type: ignore[arg-type]  # checked above
        self.requires_grad_(False)
        self.eval()

    def _load_trunk(self, path: Path) -> None:
        state = _load_state(path)
        trunk = {
            k.removeprefix("features."): v for k, v in state.items() if k.startswith("features.")
        }
        try:
            self.features.load_state_dict(trunk)
        except RuntimeError as err:
            raise LpipsUnavailable(
                f"{path} does not hold torchvision AlexNet weights (features.N.weight/bias): {err}"
            ) from err

    def _load_linear(self, path: Path) -> None:
        state = _load_state(path)
        # lpips names them lin{k}.model.1.weight (index 0 is a Dropout).
        lins = {f"{k}.weight": state.get(f"lin{k}.model.1.weight") for k in range(len(self.lins))}
        missing = [name for name, value in lins.items() if value is None]
        if missing:
            raise LpipsUnavailable(f"{path} lacks the LPIPS linear weights {missing}")
        self.lins.load_state_dict(lins)

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        """LPIPS of each frame pair.

        Args:
            pred: ``(..., 3, h, w)`` float RGB in [0, 1] (mapped to [-1, 1] internally).
            target: same shape as ``pred``.

        Returns:
            ``(...)`` float32 distances.
        """
        if pred.shape != target.shape or pred.ndim < 3 or pred.shape[-3] != 3:
            raise ValueError(
                f"expected pred and target shaped (..., 3, h, w), got {tuple(pred.shape)} "
                f"and {tuple(target.shape)}"
            )
        lead, (h, w) = pred.shape[:-3], pred.shape[-2:]
        frames = pred.reshape(-1, 3, h, w).shape[0]
        dtype = self.shift.dtype
        both = torch.cat([pred.reshape(-1, 3, h, w), target.reshape(-1, 3, h, w)]).to(dtype)
        # lpips' own input map (its normalize=True: [0, 1] → [-1, 1]), then its ScalingLayer;
        # a metric's convention, not the tokenizer boundary (tokenizers.base owns that one)
        x = (both * 2 - 1 - self.shift) / self.scale  # (2·frames, 3, h, w)
        total = x.new_zeros(frames)
        lins = dict(zip(_TAPS, self.lins, strict=True))
        for index, layer in enumerate(self.features[: _TAPS[-1] + 1]):
            x = layer(x)
            if index in lins:
                feats = _unit_normalize(x)
                diff = (feats[:frames] - feats[frames:]).square()  # (frames, c, h', w')
                total = total + lins[index](diff).mean(dim=(1, 2, 3))
        return total.view(lead)


def load_lpips(device: str | torch.device = "cpu", hub_dir: str | Path | None = None) -> LPIPS:
    """LPIPS (AlexNet, v0.1) on ``device``, in eval mode with frozen weights.

    Raises:
        LpipsUnavailable: a weight file is missing; the message names the path expected.
    """
    return LPIPS(hub_dir=hub_dir).to(device)


def lpips_if_available(
    enabled: bool, device: str | torch.device = "cpu"
) -> tuple[LPIPS | None, str | None]:
    """``(model, None)``, or ``(None, reason)`` when the task disables LPIPS or its weights
    are missing: what a family reports under ``unavailable``, never a number."""
    if not enabled:
        return None, "disabled by the task config (lpips: false)"
    try:
        return load_lpips(device=device), None
    except LpipsUnavailable as err:
        return None, str(err)
