"""The one number formatter (benchmarks/reporting/numbers.py), by hand-written values."""

from __future__ import annotations

import math

import pytest

from benchmarks.reporting.numbers import (
    BASELINE,
    PAPER,
    TABLE,
    TERMINAL,
    format_mean_ci,
    format_number,
)


@pytest.mark.parametrize(("value", "style", "text"), [
    (0.123456, TERMINAL, "0.1235"),      # 4 significant digits
    (31.27491, TERMINAL, "31.27"),
    (123456.0, TERMINAL, "1.235e+05"),
    (None, TERMINAL, "n/a"),
    (31.27491, BASELINE, "31.2749"),     # 6 significant digits
    (None, BASELINE, "—"),
    (31.27491, TABLE, "31.27"),          # |x| >= 10: 2 decimals
    (0.912345, TABLE, "0.9123"),         # else 4
    (2.8, TABLE, "2.8000"),
    (-12.345, TABLE, "-12.35"),          # the magnitude decides, not the sign
    (12.5, PAPER, "12.50"),              # the pinned 'tables --paper 4' cell
    (1.25, PAPER, "1.250"),
    (0.05, PAPER, "0.0500"),
])
def test_styles(value, style, text):
    assert format_number(value, style) == text


@pytest.mark.parametrize("style", [TERMINAL, BASELINE, TABLE, PAPER])
def test_non_finite_values_read_the_same_in_every_style(style):
    assert format_number(math.inf, style) == "inf"
    assert format_number(-math.inf, style) == "-inf"  # the sign is kept
    assert format_number(math.nan, style) == "nan"


def test_a_ci_takes_its_means_decimals():
    assert format_mean_ci(31.27491, 0.123456) == "31.27 ± 0.12"
    assert format_mean_ci(0.912345, 0.0123456) == "0.9123 ± 0.0123"
    assert format_number(1.25, PAPER, like=12.5) == "1.25"


@pytest.mark.parametrize(("mean", "ci", "text"), [
    (math.inf, math.nan, "inf"),        # identity's PSNR: no CI to show
    (0.5, math.nan, "0.5000"),          # one sample
    (0.5, math.inf, "0.5000"),
    (0.5, None, "0.5000"),
    (None, 0.1, "n/a"),
])
def test_a_missing_or_non_finite_ci_is_left_out(mean, ci, text):
    assert format_mean_ci(mean, ci) == text
