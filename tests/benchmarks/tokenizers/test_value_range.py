"""The one conversion between reader frames ([0, 1]) and the tokenizer range ([-1, 1]).

``to_tokenizer_range`` / ``from_tokenizer_range`` replaced hand-written forms in the
families, generators, codecs and feature extractors; results must not move by one bit, so
each form they replaced is checked against them with ``torch.equal``.
"""

from __future__ import annotations

import pytest
import torch

from benchmarks.tokenizers.base import from_tokenizer_range, to_tokenizer_range


def _unit_values(dtype: torch.dtype) -> torch.Tensor:
    """Values a reader gives: 8-bit levels k/255, a fine grid, random draws, edge cases."""
    generator = torch.Generator().manual_seed(0)
    parts = [
        torch.arange(256, dtype=torch.float64).div(255.0),  # what an 8-bit decode gives
        torch.arange(2**16 + 1, dtype=torch.float64).div(2**16),
        torch.rand(200_000, generator=generator, dtype=torch.float64),
        torch.tensor([0.0, 1.0, 1e-30, 1e-45, 0.5 - 2**-30, 1 - 2**-24], dtype=torch.float64),
    ]
    return torch.cat(parts).to(dtype)


def test_hand_computed_values():
    unit = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])
    signed = torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0])
    assert torch.equal(to_tokenizer_range(unit), signed)
    assert torch.equal(from_tokenizer_range(signed), unit)
    # 8-bit level 51 (0.2): 2 * 0.2 - 1 = -0.6, within one float32 rounding
    assert to_tokenizer_range(torch.tensor([51 / 255])).item() == pytest.approx(-0.6, abs=1e-7)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.float64])
def test_to_range_is_bitwise_every_replaced_form(dtype: torch.dtype):
    x = _unit_values(dtype)
    expected = to_tokenizer_range(x)
    assert expected.dtype == dtype
    assert torch.equal(expected, x * 2 - 1)
    assert torch.equal(expected, 2.0 * x - 1.0)
    assert torch.equal(expected, x.mul(2).sub(1))
    assert torch.equal(expected, x.clone().mul_(2).sub_(1))
    assert torch.equal(expected, torch.addcmul(torch.tensor(-1.0), x, torch.tensor(2.0)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.float64])
def test_from_range_is_bitwise_every_replaced_form(dtype: torch.dtype):
    # decoder outputs before a clamp may leave [-1, 1]: include values beyond it
    y = torch.cat([_unit_values(torch.float64) * 2 - 1, torch.tensor([-1.5, 1.5, -3.0])])
    y = y.to(dtype)
    expected = from_tokenizer_range(y)
    assert expected.dtype == dtype
    assert torch.equal(expected, (y + 1) / 2)
    assert torch.equal(expected, y.add(1).mul(0.5))
    assert torch.equal(expected, y.add(1).div(2))
    # the 8-bit picture paths: [0, 1] * 255 is (y + 1) * 127.5 exactly (halving is exact)
    assert torch.equal(from_tokenizer_range(y).mul_(255), y.add(1).mul(127.5))


def test_inputs_are_not_changed():
    x = torch.tensor([0.0, 0.5, 1.0])
    to_tokenizer_range(x)
    from_tokenizer_range(x)
    assert torch.equal(x, torch.tensor([0.0, 0.5, 1.0]))
