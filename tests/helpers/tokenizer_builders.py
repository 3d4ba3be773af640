"""How to build every registered tokenizer from tiny random weights, for registry-wide tests.

``BUILDERS`` maps a registry name to ``(kwargs builder given a tmp folder, clip (t, h, w))``:
the folder is written with the library's own ``save_pretrained`` (``tests.helpers.tiny_vaes``,
``tests.helpers.tiny_pyratok``), and the clip is one the tokenizer takes as it is. A newly
registered built-in tokenizer must add an entry here.

A tokenizer an installed package registers (entry-point plug-in) is built with its
factory's defaults and a clip derived from its spec; one whose factory needs arguments
(weights) is skipped, naming the plug-in: the registry-wide tests run on whatever is
installed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import TokenizerSpec, VideoTokenizer
from tests.helpers import tiny_image_vaes, tiny_magvit, tiny_vaes
from tests.helpers.tiny_pyratok import save_tiny_pyratok
from tests.helpers.tiny_vq import save_tiny_vq

Builder = Callable[[Path], dict[str, Any]]

BUILDERS: dict[str, tuple[Builder, tuple[int, int, int]]] = {
    "identity": (lambda p: {}, (5, 16, 16)),
    "avgpool": (lambda p: {}, (5, 16, 16)),
    "wan2.1": (lambda p: {"path": tiny_vaes.save_tiny_wan(p)}, (9, 16, 16)),
    "wan2.2": (lambda p: {"path": tiny_vaes.save_tiny_wan22(p)}, (5, 32, 32)),
    "cogvideox": (lambda p: {"path": tiny_vaes.save_tiny_cogvideox(p)}, (9, 16, 16)),
    "mochi": (lambda p: {"path": tiny_vaes.save_tiny_mochi(p)}, (7, 16, 16)),
    "svd": (lambda p: {"path": tiny_vaes.save_tiny_svd(p)}, (4, 16, 16)),
    "sd-vae": (lambda p: {"path": tiny_image_vaes.save_tiny_sd_vae(p)}, (1, 16, 16)),
    "dc-ae": (lambda p: {"path": tiny_image_vaes.save_tiny_dc_ae(p)}, (5, 16, 16)),
    "vqgan": (lambda p: {"path": tiny_image_vaes.save_tiny_vqgan(p)}, (1, 16, 16)),
    "hunyuanvideo": (lambda p: {"path": tiny_vaes.save_tiny_hunyuanvideo(p)}, (9, 16, 16)),
    "hunyuanvideo1.5": (lambda p: {"path": tiny_vaes.save_tiny_hunyuanvideo15(p)}, (5, 32, 32)),
    "ltx-video": (lambda p: {"path": tiny_vaes.save_tiny_ltx_video(p)}, (9, 64, 64)),
    "cosmos-cv": (lambda p: {"path": tiny_vaes.save_tiny_cosmos_cv(p)}, (9, 16, 16)),
    "easyanimate": (lambda p: {"path": tiny_vaes.save_tiny_easyanimate(p)}, (9, 16, 16)),
    "kvae-video": (lambda p: {"path": tiny_vaes.save_tiny_kvae_video(p)}, (5, 16, 16)),
    "qwen-image": (lambda p: {"path": tiny_vaes.save_tiny_qwen_image(p)}, (9, 16, 16)),
    "vidtok": (lambda p: {"path": tiny_vaes.save_tiny_vidtok(p)}, (9, 16, 16)),
    "vidtok-kl": (lambda p: {"path": tiny_vaes.save_tiny_vidtok(p, regularizer="kl")},
                  (9, 16, 16)),
    "pyratok-release": (lambda p: {"path": tiny_vaes.save_tiny_release(p)}, (9, 16, 16)),
    "pyratok": (lambda p: {"path": save_tiny_pyratok(p)}, (9, 32, 32)),
    "open-magvit2": (lambda p: tiny_magvit.save_tiny_open_magvit2(p), (5, 16, 16)),
    "open-magvit2-video": (
        lambda p: tiny_magvit.save_tiny_open_magvit2(p, video=True, use_ema=True), (9, 16, 16)
    ),
    "magvit2": (lambda p: {"path": tiny_magvit.save_tiny_magvit2(p)}, (9, 16, 16)),
    "h264": (lambda p: {}, (3, 32, 32)),
    "hevc": (lambda p: {}, (3, 32, 32)),
    "vvc": (lambda p: {"preset": "faster"}, (3, 32, 32)),
    "vq": (lambda p: {"quantizer": str(save_tiny_vq(p))}, (5, 16, 16)),
}


def build_tokenizer(name: str, folder: Path) -> VideoTokenizer:
    """The registered tokenizer ``name`` with tiny weights written under ``folder``; a
    plug-in's with its factory's defaults (skips the test if the factory needs arguments)."""
    if name in BUILDERS:
        make_kwargs, _ = BUILDERS[name]
        return TOKENIZERS.get(name)(**make_kwargs(Path(folder)))
    if not TOKENIZERS.is_plugin(name):
        raise KeyError(f"registered tokenizer {name!r} has no tiny builder in {__name__}.BUILDERS")
    factory = TOKENIZERS.get(name)
    try:
        return factory()
    except TypeError as error:  # a required argument: its weights, which we do not have
        pytest.skip(f"plug-in tokenizer {name!r} cannot be built without arguments: {error}")


def clip_shape(name: str, spec: TokenizerSpec) -> tuple[int, int, int]:
    """``(t, h, w)`` of a clip ``name`` takes as it is: ``BUILDERS``'s, else (a plug-in)
    the shortest valid length from 5 frames on, and two cells of the coarsest level."""
    if name in BUILDERS:
        return BUILDERS[name][1]
    t = next(n for n in range(5, 5 + 64 * spec.temporal_compression)
             if spec.valid_num_frames(n))
    side = 2 * max(max(s_h, s_w) for _, s_h, s_w in spec.level_strides)
    return t, side, side
