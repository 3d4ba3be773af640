"""Tokenizer adapters, registered lazily so that start-up imports nothing heavy.

A registry entry is a factory ``(**kwargs) -> VideoTokenizer``. Third-party packages add
their own through the ``benchmarks.tokenizers`` entry-point group.
"""

from __future__ import annotations

from typing import Any

from benchmarks.registry import Registry

TOKENIZERS: Registry = Registry("tokenizer", entry_point_group="benchmarks.tokenizers")

# one lazy entry a line: a table (alike in shape to the readers' one in benchmarks/datasets,
# which `duplicates` pairs with it), not repeated logic
TOKENIZERS.add_lazy("identity", "benchmarks.tokenizers.identity:create_identity")
TOKENIZERS.add_lazy("avgpool", "benchmarks.tokenizers.avgpool:create_avgpool")
TOKENIZERS.add_lazy("wan2.1", "benchmarks.tokenizers.diffusers_vae:create_wan21")
TOKENIZERS.add_lazy("wan2.2", "benchmarks.tokenizers.diffusers_vae:create_wan22")
TOKENIZERS.add_lazy("cogvideox", "benchmarks.tokenizers.diffusers_vae:create_cogvideox")
TOKENIZERS.add_lazy("mochi", "benchmarks.tokenizers.diffusers_vae:create_mochi")
TOKENIZERS.add_lazy("svd", "benchmarks.tokenizers.diffusers_vae:create_svd")
TOKENIZERS.add_lazy("pyratok", "benchmarks.tokenizers.pyratok:create_pyratok")
TOKENIZERS.add_lazy(
    "pyratok-release", "benchmarks.tokenizers.pyratok_release:create_pyratok_release"
)
TOKENIZERS.add_lazy("h264", "benchmarks.tokenizers.codecs.pyav_codecs:create_h264")
TOKENIZERS.add_lazy("hevc", "benchmarks.tokenizers.codecs.pyav_codecs:create_hevc")
TOKENIZERS.add_lazy("vvc", "benchmarks.tokenizers.codecs.vvc:create_vvc")

__all__ = ["TOKENIZERS", "Encoded", "TokenizerSpec", "VideoTokenizer"]


def __getattr__(name: str) -> Any:  # the interface imports torch: only on use
    if name in ("Encoded", "TokenizerSpec", "VideoTokenizer"):
        from benchmarks.tokenizers import base

        return getattr(base, name)
    raise AttributeError(name)
