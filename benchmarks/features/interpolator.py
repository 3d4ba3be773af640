"""The frame-interpolation model of VBench's motion smoothness, from a local TorchScript file.

VBench (``vbench/motion_smoothness.py``, commit 45e79ec) runs AMT-S (Li et al., "AMT:
All-Pairs Multi-Field Transforms for Efficient Frame Interpolation", CVPR 2023;
``amt-s.pth`` with ``third_party/amt/cfgs/AMT-S.yaml``) once per pair of inputs at
``embt = 1/2``, frames padded to a multiple of 16 (``InputPadder``: replicate, split
evenly between the sides) and the prediction cropped back. The padding is done here; the
AMT code is not a package this harness can depend on, so the model comes as a TorchScript
file (``vfi_path``) with this contract:

    middle = module(first, second)   # (n, 3, h, w) float in [0, 1] each -> (n, 3, h, w)

(AMT-S's own call is ``model(first, second, embt, scale_factor=1.0, eval=True)
["imgt_pred"]``; no export of it is provided or checked here.)

No interpolation weights ship offline: without ``vfi_path`` motion smoothness is reported
unavailable with that reason.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.features.base import FeatureUnavailable

CONTRACT = ("a TorchScript frame interpolator: module(first, second) -> middle frame, "
            "(n, 3, h, w) float in [0, 1] (VBench uses AMT-S, amt-s.pth)")
PAIR_BATCH = 8  # frame pairs per call (bounded memory)
PAD_MULTIPLE = 16  # VBench motion_smoothness.py: InputPadder(dims, padding=16)


def pad_amount(h: int, w: int) -> tuple[int, int, int, int]:
    """VBench's ``InputPadder`` (AMT ``utils/utils.py``): ``(left, right, top, bottom)``
    replicate padding to the next multiple of 16, the odd pixel on the right/bottom."""
    pad_h = (-h) % PAD_MULTIPLE
    pad_w = (-w) % PAD_MULTIPLE
    return pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2


def missing_reason() -> str:
    return f"needs {CONTRACT}; none ships offline: pass --task-arg vfi_path=FILE"


class FrameInterpolator:
    """A TorchScript interpolator: pairs of frames → their middle frames."""

    def __init__(self, module: torch.jit.ScriptModule, weights: str) -> None:
        self.module = module.eval()
        self.weights = weights

    def to(self, device: torch.device) -> FrameInterpolator:
        self.module = self.module.to(device)
        return self

    def describe(self) -> dict[str, str]:
        return {"network": "frame interpolator (TorchScript)", "weights": self.weights,
                "call": "module(first, second) -> middle, frames in [0, 1] (embt 1/2), "
                        "replicate-padded to a multiple of 16 and cropped back"}

    @torch.inference_mode()
    def __call__(self, first: Tensor, second: Tensor) -> Tensor:
        """``(n, 3, h, w)`` pairs in [0, 1] → ``(n, 3, h, w)`` middle frames in [0, 1]."""
        device = next(iter(self.module.parameters()), torch.empty(0)).device
        h, w = first.shape[-2:]
        pad = pad_amount(h, w)
        out = []
        for a, b in zip(first.split(PAIR_BATCH), second.split(PAIR_BATCH), strict=True):
            a, b = (F.pad(x.to(device).float(), pad, mode="replicate") for x in (a, b))
            middle = self.module(a, b)
            if not isinstance(middle, Tensor) or middle.shape != a.shape:
                got = tuple(middle.shape) if isinstance(middle, Tensor) else type(middle).__name__
                raise ValueError(f"vfi_path={self.weights}: returned {got} for frames of "
                                 f"{tuple(a.shape)}; expected {CONTRACT}")
            out.append(middle.float()[..., pad[2] : pad[2] + h, pad[0] : pad[0] + w])
        return torch.cat(out).clamp(0, 1)  # VBench's tensor2img clips to the 8-bit range


def load_interpolator(path: str | None, *,
                      device: torch.device | str = "cpu") -> FrameInterpolator:
    """The TorchScript file at ``path``.

    Raises:
        FeatureUnavailable: no ``path`` (reported unavailable with the reason).
        FileNotFoundError, ValueError: ``path`` given but no such file or not TorchScript.
    """
    if not path:
        raise FeatureUnavailable(missing_reason())
    file = Path(path).expanduser()
    if not file.is_file():
        raise FileNotFoundError(f"vfi_path={path}: no such file; expected {CONTRACT}")
    try:
        module = torch.jit.load(str(file), map_location=torch.device(device))
    except RuntimeError as err:
        first = (str(err).strip().splitlines() or ["unreadable"])[0]
        raise ValueError(f"vfi_path={path}: not a TorchScript file ({first}); expected "
                         f"{CONTRACT}") from None
    return FrameInterpolator(module, weights=str(file)).to(torch.device(device))
