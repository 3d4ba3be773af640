"""Smoke test parametrized over EVERY registered tokenizer.

A newly registered tokenizer is picked up automatically; one that needs weights must add
a tiny builder to ``BUILDERS`` (a folder saved with the library's own ``save_pretrained``),
or this test fails and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer
from tests.helpers import tiny_vaes

# name → (kwargs builder given a tmp folder, clip shape (t, h, w))
BUILDERS: dict[str, tuple[Callable[[Path], dict[str, Any]], tuple[int, int, int]]] = {
    "identity": (lambda p: {}, (5, 16, 16)),
    "avgpool": (lambda p: {}, (5, 16, 16)),
    "wan2.1": (lambda p: {"path": tiny_vaes.save_tiny_wan(p)}, (9, 16, 16)),
    "wan2.2": (lambda p: {"path": tiny_vaes.save_tiny_wan22(p)}, (5, 32, 32)),
    "cogvideox": (lambda p: {"path": tiny_vaes.save_tiny_cogvideox(p)}, (9, 16, 16)),
    "mochi": (lambda p: {"path": tiny_vaes.save_tiny_mochi(p)}, (7, 16, 16)),
    "svd": (lambda p: {"path": tiny_vaes.save_tiny_svd(p)}, (4, 16, 16)),
    "pyratok-release": (lambda p: {"path": tiny_vaes.save_tiny_release(p)}, (9, 16, 16)),
}


def _extra_builders() -> None:
    try:
        from tests.helpers.tiny_pyratok import save_tiny_pyratok
    except ImportError:
        return
    BUILDERS["pyratok"] = (lambda p: {"path": save_tiny_pyratok(p)}, (9, 32, 32))


_extra_builders()


@pytest.mark.parametrize("name", TOKENIZERS.names())
def test_every_registered_tokenizer_round_trips(name, tmp_path):
    assert name in BUILDERS, f"registered tokenizer {name!r} has no tiny builder in BUILDERS"
    make_kwargs, (t, h, w) = BUILDERS[name]
    tok = TOKENIZERS.get(name)(**make_kwargs(tmp_path))
    assert isinstance(tok, VideoTokenizer)
    spec = tok.spec
    assert isinstance(spec, TokenizerSpec) and spec.name == name
    assert spec.valid_num_frames(t)
    torch.manual_seed(0)
    video = torch.rand(2, 3, t, h, w) * 2 - 1
    with torch.no_grad():
        enc = tok.encode(video, ["a clip", "another clip"])
        assert isinstance(enc, Encoded) and enc.num_frames == t and enc.frame_size == (h, w)
        assert enc.features and all(f.shape[0] == 2 for f in enc.features)
        if spec.vocab_size is not None:
            assert enc.indices is not None and len(enc.indices) == len(enc.features)
            for idx in enc.indices:
                assert idx.dtype == torch.int64 and int(idx.min()) >= 0
                assert int(idx.max()) < spec.vocab_size
            assert enc.bits is not None and enc.bits.shape == (2,)
        out = tok.decode(enc)
    assert out.shape == video.shape
    assert torch.isfinite(out).all() and out.min() >= -1 and out.max() <= 1
    if spec.text_aligned:
        emb = tok.embed_text(["a red circle", "a blue square"])
        assert emb.shape[0] == 2
        assert torch.allclose(emb.norm(dim=-1), torch.ones(2), atol=1e-4)
