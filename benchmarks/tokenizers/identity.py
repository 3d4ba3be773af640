"""``identity``: returns its input unchanged — the upper bound of every fidelity metric."""

from __future__ import annotations

from torch import Tensor

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video


class IdentityTokenizer(VideoTokenizer):
    """Exact reconstruction: the "latent" is the video itself (continuous, 1×1×1 cells)."""

    def __init__(self) -> None:
        super().__init__()
        # every field spelled out, as each tokenizer declares its spec (the same shape as
        # avgpool's and the codecs' specs, and avgpool's encode preamble: declarations, kept
        # whole so each reads on its own)
        self.spec = TokenizerSpec(
            name="identity",
            n_params=0,
            vocab_size=None,
            bits_per_token=None,
            latent_channels=3,
            feature_dim=3,
            spatial_compression=1,
            temporal_compression=1,
            frame_convention="any",
            weights="none",
            license="n/a",
            capabilities=frozenset({"decode", "features"}),
        )

    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        check_video(video)
        _, _, t, h, w = video.shape
        return Encoded(features=[video], indices=None, bits=None, num_frames=t, frame_size=(h, w))

    def decode(self, encoded: Encoded) -> Tensor:
        return encoded.features[0]


def create_identity() -> IdentityTokenizer:
    return IdentityTokenizer()
