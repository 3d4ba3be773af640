"""``vqgan``: a diffusers ``VQModel`` (VQGAN layout) as a discrete per-frame tokenizer.

VQGAN (Esser et al., Taming Transformers for High-Resolution Image Synthesis, CVPR 2021)
in diffusers' ``VQModel``: LDM's VQ-f4/f8 autoencoders, Kandinsky 2.2's MoVQ (``norm_type``
``"spatial"``) and aMUSEd's VQ-GAN (``lookup_from_codebook``; it works on images in [0, 1]:
pass ``unit_range=true``). Each frame's encoder output ``model.encode(x).latents`` (after
``quant_conv``) is quantized to its nearest codebook row, one token per latent cell:
``vocab_size = num_vq_embeddings``, ``bits_per_token = log2(vocab_size)``.

Layout, as in diffusers 0.42.1 (``models/autoencoders/vae.py``): ``VectorQuantizer.forward``
returns ``(z_q, loss, (perplexity, min_encodings, indices))`` with the indices flat over
``(n, h', w')`` (``remap`` is never set by ``VQModel``); they are
``argmin(torch.cdist(z, codebook))``. ``nearest_codes`` computes the same argmin a chunk of
cells at a time (the full distance matrix of a 4K frame against a 16384-entry codebook
would take gigabytes), and the features are the codebook rows themselves
(``get_codebook_entry``): ``z_q`` of ``forward`` is ``z + (e - z)``, which differs from the
row ``e`` by rounding. ``decode`` reads the indices when ``Encoded`` has them, else the
features, so decoding from indices and from the quantized latent give the same frames.

Geometry, channels and padding / tiling: ``benchmarks.tokenizers.diffusers_image``. Tiles
blend the pre-quantization latent, which is then quantized as a whole.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from benchmarks.tokenizers.base import Encoded
from benchmarks.tokenizers.diffusers_image import (
    VQ_MODEL,
    DiffusersImageVAE,
    fold_frames,
    load_image_model,
    unfold_frames,
)
from benchmarks.tokenizers.tiling import DEFAULT_MAX_UNTILED_PIXELS

__all__ = ["DiffusersVQGAN", "create_vqgan", "nearest_codes"]

# latent cells per distance computation: 1024 cells x 16384 codes x 4 bytes = 64 MiB
CODE_CHUNK = 1024


def nearest_codes(latent: Tensor, codebook: Tensor, *, chunk: int = CODE_CHUNK) -> Tensor:
    """Index of the nearest codebook row (Euclidean) of every cell.

    Args:
        latent: ``(n, c, h, w)``.
        codebook: ``(vocab_size, c)``.
        chunk: cells per ``torch.cdist`` call.

    Returns:
        ``(n, h, w)`` int64, ``argmin_j ||latent[:, :, y, x] - codebook[j]||``.
    """
    n, c, h, w = latent.shape
    cells = latent.permute(0, 2, 3, 1).reshape(-1, c)  # (n h w) c
    codebook = codebook.to(cells.dtype)
    found = [torch.cdist(part, codebook).argmin(dim=1) for part in cells.split(chunk)]
    return torch.cat(found).view(n, h, w)


class DiffusersVQGAN(DiffusersImageVAE):
    """``VQModel`` behind ``VideoTokenizer``: indices ``(b, t, h', w')``, features the
    codebook vectors ``(b, vq_embed_dim, t, h', w')``."""

    @property
    def codebook(self) -> Tensor:
        """``(vocab_size, vq_embed_dim)``."""
        return self.model.quantize.embedding.weight

    def _encode_frames(self, frames: Tensor) -> Tensor:
        return self.model.encode(frames).latents  # before quantization

    def _encoded(self, raw: Tensor, *, num_frames: int, frame_size: tuple[int, int]) -> Encoded:
        b = raw.shape[0]
        indices = unfold_frames(
            nearest_codes(fold_frames(raw), self.codebook.float()).unsqueeze(1), b
        ).squeeze(1)  # (b, t, h', w')
        tokens = indices[0].numel()  # every cell the decoder reads, padded ones included
        bits = torch.full((b,), tokens * self.spec.bits_per_token, dtype=torch.float64)
        return Encoded(features=[self.codes_to_latent(indices).float()], indices=[indices],
                       bits=bits, num_frames=num_frames, frame_size=frame_size)

    def codes_to_latent(self, indices: Tensor) -> Tensor:
        """``(b, t, h', w')`` indices → their codebook vectors ``(b, c, t, h', w')``."""
        rows = self.codebook[indices.to(self.codebook.device)]  # (b, t, h', w', c)
        return rows.permute(0, 4, 1, 2, 3).contiguous()

    def _decoder_input(self, encoded: Encoded) -> Tensor:
        if encoded.indices is not None:
            return self.codes_to_latent(encoded.indices[0])
        return encoded.features[0]

    def _decode_frames(self, latent: Tensor) -> Tensor:
        # VQModel.decode (0.42.1) past its quantizer, which all three of its branches share
        # (force_not_quantize with codebook vectors, or with indices when
        # lookup_from_codebook): post_quant_conv, then the decoder, which a "spatial"
        # norm conditions on the codebook vectors (MoVQ)
        model = self.model
        spatial = latent if model.config.norm_type == "spatial" else None
        return model.decoder(model.post_quant_conv(latent), spatial)


def create_vqgan(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
    unit_range: bool = False,
) -> DiffusersVQGAN:
    """A ``VQModel`` (VQGAN, MoVQ) from a local diffusers folder, as a discrete tokenizer.

    Args:
        path: folder with ``config.json`` and ``diffusion_pytorch_model.safetensors`` (for a
            pipeline repository its ``vqvae/`` or ``movq/`` sub-folder; ``~`` is expanded).
        dtype: ``"float32"`` (default), ``"bfloat16"`` or ``"float16"``.
        tile_size: largest spatial tile in pixels, a multiple of the spatial compression.
        tile_overlap: tile overlap in pixels (default: a quarter of ``tile_size``).
        max_untiled_pixels: without ``tile_size``, frames of more pixels are tiled by
            themselves; ``null``: never.
        unit_range: the model was trained on images in [0, 1] (aMUSEd's VQ-GAN) rather than
            [-1, 1] (LDM, Kandinsky).
    """
    model, weights = load_image_model(path, VQ_MODEL, dtype)
    return DiffusersVQGAN(model, family=VQ_MODEL, weights=weights, tile_size=tile_size,
                          tile_overlap=tile_overlap, max_untiled_pixels=max_untiled_pixels,
                          unit_range=unit_range, vocab_size=int(model.config.num_vq_embeddings))
