"""``magvit2``: a MAGVIT-v2 video tokenizer you trained with lucidrains' ``magvit2-pytorch``.

Paper: Yu et al., "Language Model Beats Diffusion — Tokenizer is Key to Visual Generation"
(ICLR 2024): a causal 3D-CNN video tokenizer with lookup-free quantization (LFQ).
``magvit2-pytorch`` 0.5.1 (MIT) implements it as ``VideoTokenizer`` (LFQ, or FSQ with
``use_fsq``) and releases no weights: this adapter is the train-your-own MAGVIT-v2 baseline.

Weights: the file ``VideoTokenizer.save(path)`` writes (its ``model_state_dict`` and the
pickled constructor arguments, read through an allow-list, see
``benchmarks.tokenizers.magvit2_config``), or a bare ``torch.save(model.state_dict())``
with ``config=`` a YAML mapping of the constructor arguments. Training-only parts are not
built for inference: no VGG perceptual loss, no multiscale discriminators, and the
discriminator's weights are skipped.

Geometry from the ``layers`` argument: each ``"compress_space"`` halves h and w, each
``"compress_time"`` halves time causally (the model front-pads ``2^n − 1`` frames), so it
takes ``2^n k + 1`` frames. Clips are padded by edge replication to that length and to whole
latent cells, and ``decode`` crops back.

``Encoded``: ``features[0]`` is the quantized latent the decoder reads ``(b, d, t', h', w')``
(LFQ codes after its output projection); ``indices[0]`` the codes ``(b, t', h', w')``;
``bits`` ``log2(codebook_size) × t'h'w'`` per clip. Decoding from ``indices`` alone
(``decode_from_code_indices``) gives the same video.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from benchmarks import safe_yaml
from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video
from benchmarks.tokenizers.magvit2_config import ConfigRefused, unpickle_config
from benchmarks.tokenizers.optional_imports import require, with_torchvision_stub
from benchmarks.tokenizers.padding import crop_video, pad_video, padded_num_frames
from benchmarks.tokenizers.torch_checkpoint import load_weights_only, resolve_file

NAME = "magvit2"
LICENSE = "MIT (magvit2-pytorch code); weights: your own (none are released)"
INSTALL = "pip install 'pyratok[magvit]' && pip install --no-deps magvit2-pytorch==0.5.1"
# what magvit2_pytorch.py imports beyond torch and einops (its trainer's imports are skipped)
NEEDS = ("magvit2_pytorch", "vector_quantize_pytorch", "beartype", "gateloop_transformer",
         "taylor_series_linear_attention", "kornia", "einops")
TUPLE_ARGS = ("layers", "input_conv_kernel_size", "output_conv_kernel_size")  # YAML gives lists
TRAINING_ONLY = ("vgg", "vgg_weights", "multiscale_discrs")  # not built for inference
SKIPPED_PREFIXES = ("discr.", "multiscale_discrs.")


def import_video_tokenizer() -> type[nn.Module]:
    """``magvit2_pytorch.magvit2_pytorch.VideoTokenizer`` (package ``__init__`` not run,
    torchvision stubbed while it imports when it does not load; see ``optional_imports``)."""
    require(NEEDS, tokenizer=NAME, install=INSTALL)
    module = with_torchvision_stub("magvit2_pytorch.magvit2_pytorch", root="magvit2_pytorch")
    return module.VideoTokenizer


class Magvit2Tokenizer(VideoTokenizer):
    """A ``magvit2-pytorch`` ``VideoTokenizer`` behind the ``VideoTokenizer`` interface.

    Args:
        model: the loaded library model (discriminators removed).
        layers: its ``layers`` argument (for the geometry).
        weights: the checkpoint path.
        config: the YAML config path, when the arguments came from one.
    """

    def __init__(self, model: nn.Module, *, layers: tuple, weights: str,
                 config: str | None = None) -> None:
        super().__init__()
        self.model = model
        self.config_path = config
        quantizer = model.quantizers
        vocab = int(quantizer.codebook_size)
        self.spatial = 2 ** sum(layer == "compress_space" for layer in layers)
        self.temporal = int(model.time_downsample_factor)
        self.spec = TokenizerSpec(
            name=NAME,
            n_params=sum(p.numel() for p in model.parameters()),
            vocab_size=vocab,
            bits_per_token=math.log2(vocab),
            latent_channels=int(quantizer.dim),
            feature_dim=int(quantizer.dim),
            spatial_compression=self.spatial,
            temporal_compression=self.temporal,
            frame_convention="causal",
            weights=weights,
            license=LICENSE,
            capabilities=frozenset({"decode", "features", "bits"}),
        )

    def weight_files(self) -> list[Path]:
        return [Path(p) for p in (self.spec.weights, self.config_path) if p]

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """Encode ``(b, 3, t, h, w)`` in [-1, 1]; ``texts`` are ignored."""
        check_video(video)
        b, _, t, h, w = video.shape
        frames_to = padded_num_frames(t, convention="causal", multiple=self.temporal)
        x = pad_video(video, spatial_multiple=self.spatial, frames_to=frames_to)
        latent = self.model.encode(x.to(device=self.device, dtype=torch.float32))
        out = self.model.quantizers(latent)  # LFQ: (quantized, indices, aux); FSQ: (q, idx)
        quantized, indices = out[0].float(), out[1].long()  # (b d t' h' w'), (b t' h' w')
        bits = torch.full((b,), indices[0].numel() * self.spec.bits_per_token,
                          dtype=torch.float64)
        return Encoded(features=[quantized], indices=[indices], bits=bits, num_frames=t,
                       frame_size=(h, w))

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode ``Encoded.latent``, else ``features[0]``, else ``indices[0]`` to
        ``(b, 3, num_frames, h, w)`` in [-1, 1]."""
        if encoded.latent is not None or encoded.features:
            quantized = encoded.latent if encoded.latent is not None else encoded.features[0]
            video = self.model.decode(quantized.to(device=self.device, dtype=torch.float32))
        elif encoded.indices:
            video = self.model.decode_from_code_indices(encoded.indices[0].to(self.device))
        else:
            raise ValueError(f"{NAME} decodes from Encoded.features or .indices")
        return crop_video(video.float(), num_frames=encoded.num_frames,
                          frame_size=encoded.frame_size)


# loading -----------------------------------------------------------------------------------------


def _yaml_arguments(path: str | Path) -> tuple[Path, dict[str, Any]]:
    file = resolve_file(path, what=f"{NAME} config")
    try:
        document = safe_yaml.load(file.read_text(encoding="utf-8"))
    except Exception as err:  # noqa: BLE001 (YAML syntax errors, undecodable text, size caps)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"config {file} is not valid YAML: {first}") from None
    if not isinstance(document, dict) or not all(isinstance(k, str) for k in document):
        raise ValueError(f"config {file}: expected a mapping of VideoTokenizer arguments "
                         "(image_size, layers, codebook_size, …)")
    return file, document


def _as_tuple(value: Any) -> Any:
    return tuple(_as_tuple(v) for v in value) if isinstance(value, list) else value


def _arguments(pkg: Any, file: Path, config: str | Path | None) -> tuple[dict, Path | None]:
    """The constructor arguments: from ``config`` (YAML) if given, else the saved ones."""
    if config is not None:
        config_file, kwargs = _yaml_arguments(config)
        return {k: _as_tuple(v) if k in TUPLE_ARGS else v for k, v in kwargs.items()}, config_file
    saved = pkg.get("config") if isinstance(pkg, dict) else None
    if not isinstance(saved, bytes):
        raise ValueError(f"{NAME} checkpoint {file} holds no config (not a VideoTokenizer.save "
                         "file): pass config=YAML with the VideoTokenizer arguments")
    try:
        return unpickle_config(saved), None
    except ConfigRefused as err:
        raise ValueError(f"{NAME} checkpoint {file}: its pickled config refers to {err}, "
                         "which is not loaded; pass config=YAML with the VideoTokenizer "
                         "arguments") from None
    except ValueError as err:
        raise ValueError(f"{NAME} checkpoint {file}: {err}") from None


def _build(kwargs: dict[str, Any], *, where: str) -> nn.Module:
    video_tokenizer = import_video_tokenizer()
    kwargs = {k: v for k, v in kwargs.items() if k not in TRAINING_ONLY}
    kwargs["perceptual_loss_weight"] = 0.0  # no VGG: training only
    if kwargs.get("num_codebooks", 1) != 1:
        raise ValueError(f"{where}: num_codebooks={kwargs['num_codebooks']} is not supported "
                         "(one index per latent cell is)")
    try:
        model = video_tokenizer(**kwargs)
    except Exception as err:  # noqa: BLE001 (TypeError, beartype violations, asserts)
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise ValueError(f"{where} does not build magvit2_pytorch.VideoTokenizer: "
                         f"{type(err).__name__}: {first}") from None
    for name in ("discr", "multiscale_discrs"):  # training only; their weights are skipped
        if hasattr(model, name):
            delattr(model, name)
    return model.eval()


def create_magvit2(path: str | Path, *, config: str | Path | None = None) -> Magvit2Tokenizer:
    """A MAGVIT-v2 ``VideoTokenizer`` trained with magvit2-pytorch, from a local file.

    Args:
        path: what ``VideoTokenizer.save(path)`` wrote (``~`` expanded), or a
            ``torch.save(model.state_dict())`` file together with ``config``.
        config: YAML mapping of the ``VideoTokenizer`` arguments (``image_size``,
            ``layers``, ``codebook_size`` or ``use_fsq`` + ``fsq_levels``, …); overrides
            the arguments saved in ``path``.
    """
    require(NEEDS, tokenizer=NAME, install=INSTALL)
    file = resolve_file(path, what=f"{NAME} checkpoint")
    pkg = load_weights_only(file, what=f"{NAME} checkpoint")
    kwargs, config_file = _arguments(pkg, file, config)
    where = f"config {config_file}" if config_file else f"the config saved in {file}"
    model = _build(kwargs, where=where)
    state = pkg.get("model_state_dict", pkg) if isinstance(pkg, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise ValueError(f"{NAME} checkpoint {file} holds no state dict of tensors")
    weights = {k: v for k, v in state.items() if not k.startswith(SKIPPED_PREFIXES)}
    expected = set(model.state_dict())
    missing, unexpected = sorted(expected - set(weights)), sorted(set(weights) - expected)
    if missing or unexpected:
        raise ValueError(f"{NAME} checkpoint {file} does not match {where}: "
                         f"{len(missing)} missing keys {missing[:3]}, "
                         f"{len(unexpected)} unexpected {unexpected[:3]}")
    try:
        model.load_state_dict(weights)
    except RuntimeError as err:
        lines = str(err).strip().splitlines()
        raise ValueError(f"{NAME} checkpoint {file} does not match {where}: "
                         f"{lines[-1].strip() if lines else err}") from None
    return Magvit2Tokenizer(model, layers=tuple(kwargs.get("layers", ())), weights=str(file),
                            config=str(config_file) if config_file else None)
