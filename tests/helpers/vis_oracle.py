"""A weight-free tokenizer that "names" flat colours: the cheapest text-aligned tokenizer
for end-to-end VIS tests (no checkpoint, no CRF needed).

Features: every pixel's RGB in [-1, 1] plus a zero fourth channel (stride 1 in t, h, w).
Text: a prompt containing one of ``colours``' names embeds as that colour's RGB direction
(fourth channel 0); any other prompt embeds as ``(0, 0, 0, 1)``, orthogonal to every pixel.
So on a white background (RGB (1, 1, 1): cosine -1/3 with a primary colour) the relevance
of a name is 1 on pixels of its colour and at most 1/3 elsewhere, and with the task's
constant background score 0.2 the argmax recovers each flat-coloured object exactly.
"""

from __future__ import annotations

import torch
from torch import Tensor

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video

__all__ = ["ColourOracle", "create_colour_oracle"]


class ColourOracle(VideoTokenizer):
    """Args:
        colours: lower-case name (as it appears in the prompt) -> RGB in [0, 255].
    """

    def __init__(self, colours: dict[str, tuple[int, int, int]]) -> None:
        super().__init__()
        self.colours = {name.lower(): rgb for name, rgb in colours.items()}
        self.spec = TokenizerSpec(
            name="colour-oracle", n_params=0, vocab_size=None, bits_per_token=None,
            latent_channels=4, feature_dim=4, spatial_compression=1, temporal_compression=1,
            frame_convention="any", weights="none (a test oracle)", license="n/a",
            capabilities=frozenset({"features", "text"}),
        )

    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        check_video(video)
        b, _, t, h, w = video.shape
        features = torch.cat([video, video.new_zeros(b, 1, t, h, w)], dim=1)  # (b, 4, t, h, w)
        return Encoded(features=[features], indices=None, bits=None, num_frames=t,
                       frame_size=(h, w))

    def embed_text(self, texts: list[str]) -> Tensor:
        out = torch.zeros(len(texts), 4)
        for i, text in enumerate(texts):
            hits = [rgb for name, rgb in self.colours.items() if name in text.lower()]
            if hits:
                out[i, :3] = torch.tensor(hits[0], dtype=torch.float32) / 127.5 - 1.0
            else:
                out[i, 3] = 1.0
        return out


def create_colour_oracle() -> ColourOracle:
    """The oracle for the VIS fixtures' palette (``tests/fixtures/official/_vis.py``)."""
    from tests.fixtures.official._vis import PALETTE

    return ColourOracle(PALETTE)
