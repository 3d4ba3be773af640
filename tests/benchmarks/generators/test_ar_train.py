"""The AR prior reads a token as its bits: only codebooks of 2^k entries, said in one line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from benchmarks.generators.ar_train import code_bits
from benchmarks.generators.base import GeneratorError


def _tok(vocab):
    return SimpleNamespace(spec=SimpleNamespace(name="t", vocab_size=vocab))


@pytest.mark.parametrize("vocab, bits", [(2, 1), (4096, 12), (2**16, 16), (2**18, 18)])
def test_power_of_two_codebooks(vocab, bits):
    assert code_bits(_tok(vocab)) == bits


@pytest.mark.parametrize("vocab, words", [(64000, "64000 entries"), (2200, "2200 entries"),
                                          (None, "continuous")])
def test_other_codebooks_are_refused_before_training(vocab, words):
    # 2200 would have been rounded to 11 bits (indices above 2047 lost), 64000 to 16 bits
    # (indices 64000..65535 sampled that the codebook does not have)
    with pytest.raises(GeneratorError, match=words):
        code_bits(_tok(vocab))
