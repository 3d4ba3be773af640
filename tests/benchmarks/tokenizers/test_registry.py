"""Smoke test parametrized over EVERY registered tokenizer.

A newly registered tokenizer is picked up automatically; a built-in one must add a tiny
builder to ``tests.helpers.tokenizer_builders.BUILDERS`` (a folder saved with the library's
own ``save_pretrained``), or this test fails and says so. Tokenizers of installed plug-ins
are checked too (built with their factory's defaults, see ``tokenizer_builders``). The
checks themselves are ``tests.helpers.tokenizer_contract.check_round_trip``.
"""

from __future__ import annotations

import pytest

from benchmarks.tokenizers import TOKENIZERS
from tests.helpers.tokenizer_builders import BUILDERS, build_tokenizer, clip_shape
from tests.helpers.tokenizer_contract import check_round_trip


@pytest.mark.parametrize("name", TOKENIZERS.names())
def test_every_registered_tokenizer_round_trips(name, tmp_path):
    if not TOKENIZERS.is_plugin(name):
        assert name in BUILDERS, f"registered tokenizer {name!r} has no tiny builder in BUILDERS"
    tok = build_tokenizer(name, tmp_path)
    assert tok.spec.name == name
    if not TOKENIZERS.is_plugin(name):  # `list` shows its kind and geometry before loading
        about = TOKENIZERS.about(name)
        assert about, f"built-in tokenizer {name!r} is registered without an about= line"
        assert about.startswith("discrete") == ("bits" in tok.spec.capabilities), about
    check_round_trip(tok, clip_shape(name, tok.spec))
