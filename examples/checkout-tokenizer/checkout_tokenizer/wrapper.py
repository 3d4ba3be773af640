"""Your own checkout of a tokenizer that has no package, as a harness tokenizer.

The factory ``create_checkout_tokenizer(path=, checkpoint=, loader=)``:

1. puts ``path`` (your clone of the tokenizer's repository) first on ``sys.path``;
2. imports ``loader``, a ``"module:callable"`` (``"omnitokenizer_glue:load"``): a small glue
   function you write, in your checkout or in your copy of this package, that builds the
   model from the repository's own code;
3. calls it with ``checkpoint`` (a ``Path``) and wraps what it returns, a
   :class:`CheckoutModel`, as a :class:`VideoTokenizer`.

The wrapper does what every adapter must: pads clips to a size the model takes
(``benchmarks.tokenizers.padding``), checks every shape the glue returns against the
geometry it declared, counts bits, crops the decoded video back and clamps it. Each mistake
(a missing folder or checkpoint, a loader that is not ``module:callable``, a module that does
not import, a glue object missing a member, a wrong shape) is one error naming it and the fix.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import torch
from torch import Tensor

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video
from benchmarks.tokenizers.padding import crop_video, pad_video, padded_num_frames

FRAME_CONVENTIONS = ("causal", "blocks", "any")
# what a glue object must have (CheckoutModel); ids_to_latent only when discrete
REQUIRED = ("vocab_size", "latent_channels", "spatial_compression", "temporal_compression",
            "frame_convention", "encode", "decode_latent")


class CheckoutModel(Protocol):
    """What your glue's ``load(checkpoint)`` returns.

    Attributes:
        vocab_size: codebook size of one token id; ``None`` for a continuous model.
        latent_channels: ``c`` of the latent ``decode_latent`` reads.
        spatial_compression: pixels per latent cell along ``h`` and ``w``.
        temporal_compression: frames per latent step.
        frame_convention: ``"causal"`` (clips of ``k * temporal + 1`` frames), ``"blocks"``
            (``k * temporal``) or ``"any"``; the wrapper pads to it.
    """

    vocab_size: int | None
    latent_channels: int
    spatial_compression: int
    temporal_compression: int
    frame_convention: str

    def encode(self, video: Tensor) -> tuple[Tensor, Tensor | None]:
        """``(b, 3, t, h, w)`` in [-1, 1], already padded → ``(latent, ids)``: the latent
        ``(b, c, t', h', w')`` (the quantized one for a discrete model) and the token ids
        ``(b, t', h', w')`` int64 (``None`` for a continuous model)."""

    def decode_latent(self, latent: Tensor) -> Tensor:
        """``(b, c, t', h', w')`` → ``(b, 3, t, h, w)`` in [-1, 1] (the padded size)."""

    def ids_to_latent(self, ids: Tensor) -> Tensor:
        """Discrete only: ``(b, t', h', w')`` ids → the quantized latent ``encode`` gives."""


# import from the checkout ------------------------------------------------------------------


def import_from_checkout(path: Path, target: str) -> Callable[..., object]:
    """The callable ``target`` (``"module:callable"``) with ``path`` first on ``sys.path``."""
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise ValueError(f"loader={target!r} must read 'module:callable' "
                         "(for example 'omnitokenizer_glue:load')")
    top = module_name.split(".")[0]
    loaded = sys.modules.get(top)
    shipped = (path / top).is_dir() or (path / f"{top}.py").is_file()
    origin = getattr(loaded, "__file__", None)
    if shipped and origin is not None and not Path(origin).resolve().is_relative_to(path):
        raise ValueError(f"{path} has its own {top!r}, but {top!r} is already imported from "
                         f"{origin}: wrap one checkout per process, or rename the module")
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(
            f"loader={target!r}: {module_name!r} does not import with {path} on sys.path "
            f"({type(err).__name__}: {err}); path= must be the folder that holds {top}/ "
            f"(or {top}.py), and the checkout's requirements must be installed"
        ) from None
    found = getattr(module, attr, None)
    if not callable(found):
        raise ValueError(f"loader={target!r}: module {module_name!r} ({module.__file__}) "
                         f"has no callable {attr!r}")
    return found


def check_model(model: object, loader: str) -> None:
    """Raise a ``ValueError`` naming what the glue object lacks or declares wrongly."""
    missing = [m for m in REQUIRED if not hasattr(model, m)]
    vocab = getattr(model, "vocab_size", None)
    if vocab is not None and not hasattr(model, "ids_to_latent"):
        missing.append("ids_to_latent")
    if missing:
        raise ValueError(f"loader={loader!r} returned a {type(model).__name__} without "
                         f"{', '.join(missing)} (see checkout_tokenizer.wrapper.CheckoutModel)")
    convention = getattr(model, "frame_convention", None)
    if convention not in FRAME_CONVENTIONS:
        raise ValueError(f"loader={loader!r}: frame_convention must be one of "
                         f"{FRAME_CONVENTIONS}, got {convention!r}")


# adapter ------------------------------------------------------------------------------------


class CheckoutTokenizer(VideoTokenizer):
    """A :class:`CheckoutModel` behind ``VideoTokenizer``: one level, one token per cell.

    Args:
        model: what the glue returned (checked by :func:`check_model`).
        name: the registry name it runs under.
        checkpoint: the weights file or folder (its fingerprint joins each run's config).
        license: the licence of those weights.
        loader: the ``module:callable`` it came from (named in errors).
    """

    def __init__(self, model: CheckoutModel, *, name: str, checkpoint: Path, license: str,
                 loader: str) -> None:
        super().__init__()
        self.model = model  # an nn.Module becomes a submodule: .to(device), n_params
        self.loader = loader
        self.checkpoint = checkpoint
        vocab = model.vocab_size
        discrete = {"bits"} if vocab is not None else set()
        self.spec = TokenizerSpec(
            name=name,
            n_params=sum(p.numel() for p in self.parameters()),
            vocab_size=vocab,
            bits_per_token=None if vocab is None else math.log2(vocab),
            latent_channels=model.latent_channels,
            feature_dim=model.latent_channels,
            spatial_compression=model.spatial_compression,
            temporal_compression=model.temporal_compression,
            frame_convention=model.frame_convention,  # type: ignore[arg-type]
            weights=str(checkpoint),
            license=license,
            capabilities=frozenset({"decode", "features"} | discrete),
        )

    def weight_files(self) -> list[Path]:
        return [self.checkpoint]

    def _check(self, what: str, got: Tensor, expected: tuple[int, ...]) -> None:
        if tuple(got.shape) != expected:
            raise ValueError(f"loader={self.loader!r}: {what} has shape {tuple(got.shape)}, "
                             f"expected {expected} from the geometry the model declares")

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """Encode ``(b, 3, t, h, w)`` in [-1, 1] (``texts`` are ignored)."""
        check_video(video)
        b, _, t, h, w = video.shape
        spec = self.spec
        frames = padded_num_frames(t, convention=spec.frame_convention,
                                   multiple=spec.temporal_compression)
        x = pad_video(video, spatial_multiple=spec.spatial_compression, frames_to=frames)
        latent, ids = self.model.encode(x.to(self.device))
        s, tc = spec.spatial_compression, spec.temporal_compression
        steps = 1 + (frames - 1) // tc if spec.frame_convention == "causal" else -(-frames // tc)
        grid = (steps, x.shape[-2] // s, x.shape[-1] // s)
        self._check("encode's latent", latent, (b, spec.latent_channels, *grid))
        if spec.vocab_size is None:
            return Encoded(features=[latent.float()], indices=None, bits=None, num_frames=t,
                           frame_size=(h, w))
        if ids is None:
            raise ValueError(f"loader={self.loader!r}: vocab_size is set but encode gave no ids")
        self._check("encode's ids", ids, (b, *grid))
        ids = ids.long()
        bits = torch.full((b,), ids[0].numel() * spec.bits_per_token, dtype=torch.float64)
        return Encoded(features=[latent.float()], indices=[ids], bits=bits, num_frames=t,
                       frame_size=(h, w))

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode (from the ids when ``encoded`` has them) to ``(b, 3, t, h, w)``."""
        if encoded.indices is not None:
            latent = self.model.ids_to_latent(encoded.indices[0].to(self.device))
        else:
            latent = encoded.features[0].to(self.device)
        video = self.model.decode_latent(latent)
        return crop_video(video.float(), num_frames=encoded.num_frames,
                          frame_size=encoded.frame_size)


# factory ------------------------------------------------------------------------------------


def create_checkout_tokenizer(
    *,
    path: str,
    checkpoint: str,
    loader: str,
    name: str = "checkout",
    license: str = "see the checkout's LICENSE and the weights' model card",
) -> CheckoutTokenizer:
    """Wrap your checkout: ``--tokenizer-arg path=~/src/OmniTokenizer
    --tokenizer-arg checkpoint=~/ckpt/omnitokenizer.ckpt --tokenizer-arg loader=glue:load``.

    Args:
        path: your clone of the tokenizer's repository (the folder that holds the package
            ``loader`` imports); ``~`` is expanded.
        checkpoint: the weights, a file or a folder; ``~`` is expanded.
        loader: ``"module:callable"``; ``callable(Path(checkpoint))`` returns a
            :class:`CheckoutModel`.
        name: the name results are filed under (your entry point's name).
        license: the licence of the weights, recorded with every result.
    """
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"checkout folder {root} does not exist; path= must be your "
                                "clone of the tokenizer's repository")
    weights = Path(checkpoint).expanduser()
    if not weights.exists():
        raise FileNotFoundError(f"checkpoint {weights} does not exist; checkpoint= must be "
                                "the weights file (or folder) the loader reads")
    load = import_from_checkout(root, loader)
    model = load(weights)
    check_model(model, loader)
    return CheckoutTokenizer(model, name=name, checkpoint=weights, license=license,
                             loader=loader).eval()
