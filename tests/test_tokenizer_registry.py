"""Smoke test parametrized over EVERY registered tokenizer.

A newly registered tokenizer is picked up automatically; one that needs weights must add
a tiny builder to ``tests.helpers.tokenizer_builders.BUILDERS`` (a folder saved with the
library's own ``save_pretrained``), or this test fails and says so.
"""

from __future__ import annotations

import json

import pytest
import torch

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer
from tests.helpers.tokenizer_builders import BUILDERS


@pytest.mark.parametrize("name", TOKENIZERS.names())
def test_every_registered_tokenizer_round_trips(name, tmp_path):
    assert name in BUILDERS, f"registered tokenizer {name!r} has no tiny builder in BUILDERS"
    make_kwargs, (t, h, w) = BUILDERS[name]
    tok = TOKENIZERS.get(name)(**make_kwargs(tmp_path))
    assert isinstance(tok, VideoTokenizer)
    spec = tok.spec
    assert isinstance(spec, TokenizerSpec) and spec.name == name
    assert spec.valid_num_frames(t)
    assert spec.capabilities <= {"decode", "features", "text", "bits"}
    assert spec.text_aligned == ("text" in spec.capabilities)
    assert ("bits" in spec.capabilities) == (spec.vocab_size is not None)
    # the spec is stored with every result: JSON, and it loads back unchanged
    as_json = json.loads(json.dumps(spec.to_dict()))
    assert as_json["capabilities"] == sorted(spec.capabilities)
    assert TokenizerSpec(**as_json) == spec
    torch.manual_seed(0)
    video = torch.rand(2, 3, t, h, w) * 2 - 1
    with torch.no_grad():
        enc = tok.encode(video, ["a clip", "another clip"])
        assert isinstance(enc, Encoded) and enc.num_frames == t and enc.frame_size == (h, w)
        # codecs (capability "decode" only) code into a stream, not a feature grid
        assert enc.features or "features" not in spec.capabilities
        assert all(f.shape[0] == 2 for f in enc.features)
        if spec.vocab_size is not None:
            assert enc.indices is not None and len(enc.indices) == len(enc.features)
            for idx in enc.indices:
                assert idx.dtype == torch.int64 and int(idx.min()) >= 0
                assert int(idx.max()) < spec.vocab_size
            assert enc.bits is not None and enc.bits.shape == (2,)
        assert "decode" in spec.capabilities, "every registered tokenizer decodes"
        out = tok.decode(enc)
    assert out.shape == video.shape
    assert torch.isfinite(out).all() and out.min() >= -1 and out.max() <= 1
    if spec.text_aligned:
        emb = tok.embed_text(["a red circle", "a blue square"])
        assert emb.shape[0] == 2
        assert torch.allclose(emb.norm(dim=-1), torch.ones(2), atol=1e-4)
