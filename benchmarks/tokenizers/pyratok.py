"""``pyratok``: the PyraTok model of this repository (``pyratok/``), text-aligned.

Default weights: the small checkpoint bundled in ``pyratok/checkpoints/pyratok-demo``
(trained here on procedural demo videos, see its ``TRAINING.md``); any other folder
written by ``PyraTok.save_pretrained`` loads with ``--tokenizer-arg path=DIR``.

Levels are ordered 0 (PyraTok's l = 1, finest, shallowest) … L − 1 (deepest).
``Encoded.features[l]`` are the text-aligned features of level l's quantized tokens
(``sem_dim`` channels, L2-normalised per token), in the space of ``embed_text``;
``Encoded.indices[l]`` are its LFQ token indices (``log2(vocab_size)`` bits each). The
decoder reads the codes (``code_dim`` channels = ``latent_channels``).

The model pads frames to a multiple of its deepest stride (16) and clips to ``1 + 8k``
frames; ``features()`` crops that padding away, and ``embed_video`` applies the model's
trained attention pooling (``LaPQ.pool``) to the cropped features, so padding never leaks
into an embedding. On an unpadded clip ``embed_video(video)`` is
``PyraTok.clip_embedding(PyraTok.encode(video))``.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import Tensor

from benchmarks.tokenizers.base import (
    Encoded,
    LevelFeatures,
    TokenizerSpec,
    VideoTokenizer,
    check_video,
)


class PyraTokTokenizer(VideoTokenizer):
    """Adapter around :class:`pyratok.model.PyraTok`.

    Args:
        model: a loaded PyraTok.
        weights: where the weights came from (for the spec).
        text_conditioned: pass the clip captions to ``encode`` (the LaPQ text attention);
            ``False`` encodes every clip with the learned null text, as zero-shot tasks do.
    """

    def __init__(self, model, *, weights: str, text_conditioned: bool = False) -> None:
        super().__init__()
        self.model = model
        self.text_conditioned = text_conditioned
        t_stride, s_stride = model.level_strides[0]
        self.spec = TokenizerSpec(
            name="pyratok",
            n_params=model.n_params,
            vocab_size=model.vocab_size,
            bits_per_token=math.log2(model.vocab_size),
            latent_channels=model.config.code_dim,
            feature_dim=model.config.sem_dim,
            spatial_compression=s_stride,
            temporal_compression=t_stride,
            # the model pads a clip to its causal length itself and crops on decode
            frame_convention="any",
            weights=weights,
            license="Apache-2.0 (this repository)",
            capabilities=frozenset({"decode", "features", "text", "bits"}),
            level_strides=tuple((int(t), int(s), int(s)) for t, s in model.level_strides),
            causal=True,  # latent step 0 codes frame 0 alone, at every level
            text_encoder=str(model.config.text_encoder),
        )

    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        check_video(video)
        enc = self.model.encode(video, texts if self.text_conditioned else None)
        # every index the decoder needs, padded cells included
        tokens = sum(int(lvl.indices[0].numel()) for lvl in enc.levels)
        bits = torch.full((video.shape[0],), tokens * self.spec.bits_per_token, dtype=torch.float64)
        return Encoded(
            features=[lvl.features for lvl in enc.levels],
            indices=[lvl.indices for lvl in enc.levels],
            bits=bits,
            num_frames=enc.num_frames,
            frame_size=enc.frame_size,
        )

    def decode(self, encoded: Encoded) -> Tensor:
        if encoded.indices is None:
            raise ValueError("pyratok decodes from token indices; Encoded.indices is None")
        video = self.model.decode_indices(encoded.indices, num_frames=encoded.num_frames)
        h, w = encoded.frame_size
        return video[..., :h, :w].clamp(-1, 1)

    def pool_features(self, features: LevelFeatures) -> Tensor:
        """``(b, sem_dim)``: the model's trained attention pooling of the valid features."""
        return self.model.lapq.pool(features.features, features.level)

    def embed_text(self, texts: list[str]) -> Tensor:
        with torch.no_grad():
            return self.model.embed_text(texts)


def create_pyratok(
    *, path: str | None = None, text_conditioned: bool = False, device: str = "cpu"
) -> PyraTokTokenizer:
    """Load PyraTok from ``path`` (default: the bundled demo checkpoint)."""
    from pyratok.model import DEMO_CHECKPOINT, PyraTok

    folder = Path(path).expanduser() if path else DEMO_CHECKPOINT
    if not folder.is_dir():
        raise FileNotFoundError(
            f"PyraTok checkpoint folder {folder} not found: expected a folder with "
            "config.json and model.safetensors written by PyraTok.save_pretrained"
        )
    model = PyraTok.from_pretrained(folder, device=device)
    return PyraTokTokenizer(model, weights=str(folder), text_conditioned=text_conditioned)
