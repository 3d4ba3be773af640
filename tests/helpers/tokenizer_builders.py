"""How to build every registered tokenizer from tiny random weights, for registry-wide tests.

``BUILDERS`` maps a registry name to ``(kwargs builder given a tmp folder, clip (t, h, w))``:
the folder is written with the library's own ``save_pretrained`` (``tests.helpers.tiny_vaes``,
``tests.helpers.tiny_pyratok``), and the clip is one the tokenizer takes as it is. A newly
registered tokenizer that needs weights must add an entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import VideoTokenizer
from tests.helpers import tiny_vaes
from tests.helpers.tiny_pyratok import save_tiny_pyratok

Builder = Callable[[Path], dict[str, Any]]

BUILDERS: dict[str, tuple[Builder, tuple[int, int, int]]] = {
    "identity": (lambda p: {}, (5, 16, 16)),
    "avgpool": (lambda p: {}, (5, 16, 16)),
    "wan2.1": (lambda p: {"path": tiny_vaes.save_tiny_wan(p)}, (9, 16, 16)),
    "wan2.2": (lambda p: {"path": tiny_vaes.save_tiny_wan22(p)}, (5, 32, 32)),
    "cogvideox": (lambda p: {"path": tiny_vaes.save_tiny_cogvideox(p)}, (9, 16, 16)),
    "mochi": (lambda p: {"path": tiny_vaes.save_tiny_mochi(p)}, (7, 16, 16)),
    "svd": (lambda p: {"path": tiny_vaes.save_tiny_svd(p)}, (4, 16, 16)),
    "pyratok-release": (lambda p: {"path": tiny_vaes.save_tiny_release(p)}, (9, 16, 16)),
    "pyratok": (lambda p: {"path": save_tiny_pyratok(p)}, (9, 32, 32)),
    "h264": (lambda p: {}, (3, 32, 32)),
    "hevc": (lambda p: {}, (3, 32, 32)),
    "vvc": (lambda p: {"preset": "faster"}, (3, 32, 32)),
}


def build_tokenizer(name: str, folder: Path) -> VideoTokenizer:
    """The registered tokenizer ``name`` with tiny weights written under ``folder``."""
    if name not in BUILDERS:
        raise KeyError(f"registered tokenizer {name!r} has no tiny builder in {__name__}.BUILDERS")
    make_kwargs, _ = BUILDERS[name]
    return TOKENIZERS.get(name)(**make_kwargs(Path(folder)))
