"""The tokenizer contract as one call, for the registry-wide test and for plug-ins.

``check_round_trip(tok, clip)`` checks what every registered tokenizer must do on a clip of
``(t, h, w)`` it takes as it is: a JSON-safe spec, each declared capability delivered (and
only those), token ids inside the vocabulary, bits per clip, a decoded video of the input's
shape in [-1, 1], clear errors for the capabilities it lacks. A plug-in author calls it on
their own tokenizer (``tests/benchmarks/test_checkout_template.py`` does, on a checkout
wrapped by ``examples/checkout-tokenizer``).
"""

from __future__ import annotations

import json

import pytest
import torch

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer


def check_round_trip(tok: VideoTokenizer, clip: tuple[int, int, int]) -> None:
    """Encode and decode two random clips of ``clip = (t, h, w)`` and check the contract."""
    assert isinstance(tok, VideoTokenizer)
    spec = tok.spec
    name = spec.name
    t, h, w = clip
    assert isinstance(spec, TokenizerSpec)
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
