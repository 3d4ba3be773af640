"""Smoke test parametrized over EVERY registered tokenizer.

A newly registered tokenizer is picked up automatically; a built-in one must add a tiny
builder to ``tests.helpers.tokenizer_builders.BUILDERS`` (a folder saved with the library's
own ``save_pretrained``), or this test fails and says so. Tokenizers of installed plug-ins
are checked too (built with their factory's defaults, see ``tokenizer_builders``).
"""

from __future__ import annotations

import json

import pytest
import torch

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer
from tests.helpers.tokenizer_builders import BUILDERS, build_tokenizer, clip_shape


@pytest.mark.parametrize("name", TOKENIZERS.names())
def test_every_registered_tokenizer_round_trips(name, tmp_path):
    if not TOKENIZERS.is_plugin(name):
        assert name in BUILDERS, f"registered tokenizer {name!r} has no tiny builder in BUILDERS"
    tok = build_tokenizer(name, tmp_path)
    assert isinstance(tok, VideoTokenizer)
    spec = tok.spec
    t, h, w = clip_shape(name, spec)
    assert isinstance(spec, TokenizerSpec) and spec.name == name
    if not TOKENIZERS.is_plugin(name):  # `list` shows its kind and geometry before loading
        about = TOKENIZERS.about(name)
        assert about, f"built-in tokenizer {name!r} is registered without an about= line"
        assert about.startswith("discrete") == ("bits" in spec.capabilities), about
    assert spec.valid_num_frames(t)
    # a zero-shot result names its text side: exactly the text-aligned tokenizers say which
    assert (spec.text_encoder is not None) == spec.text_aligned
    # the spec is stored with every result: JSON, and it loads back unchanged
    as_json = json.loads(json.dumps(spec.to_dict()))
    assert as_json["capabilities"] == sorted(spec.capabilities)
    assert TokenizerSpec(**as_json) == spec
    torch.manual_seed(0)
    video = torch.rand(2, 3, t, h, w) * 2 - 1
    with torch.no_grad():
        enc = tok.encode(video, ["a clip", "another clip"])
        assert isinstance(enc, Encoded) and enc.num_frames == t and enc.frame_size == (h, w)
        # each declared capability is what encode delivers, and only then
        assert bool(enc.features) == ("features" in spec.capabilities)
        assert (enc.indices is not None) == ("bits" in spec.capabilities)
        assert (enc.bits is not None) == ("bits" in spec.capabilities)
        assert all(f.shape[:2] == (2, spec.feature_dim) for f in enc.features)
        assert len(enc.features) in (0, spec.num_levels)
        if spec.vocab_size is not None:
            assert len(enc.indices) == len(enc.features)
            for idx in enc.indices:
                assert idx.dtype == torch.int64 and int(idx.min()) >= 0
                assert int(idx.max()) < spec.vocab_size
            assert enc.bits.shape == (2,)
        assert "decode" in spec.capabilities, "every registered tokenizer decodes"
        out = tok.decode(enc)
    if "features" not in spec.capabilities:
        with pytest.raises(NotImplementedError, match="lacks the 'features' capability"):
            tok.features(video)
    if not spec.text_aligned:
        with pytest.raises(NotImplementedError, match=f"{name!r} is not text-aligned"):
            tok.embed_text(["a red circle"])
    assert out.shape == video.shape
    assert torch.isfinite(out).all() and out.min() >= -1 and out.max() <= 1
    if spec.text_aligned:
        emb = tok.embed_text(["a red circle", "a blue square"])
        assert emb.shape[0] == 2
        assert torch.allclose(emb.norm(dim=-1), torch.ones(2), atol=1e-4)
