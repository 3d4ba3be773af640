"""BD-rate / BD-PSNR against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from benchmarks.metrics.bd_rate import bd_psnr, bd_rate

ANCHOR_RATE = [0.02, 0.034, 0.06, 0.1]
ANCHOR_PSNR = [29.0, 31.5, 33.2, 35.9]


@pytest.mark.parametrize("k", [0.5, 0.8, 1.0, 1.37, 2.0])
def test_rate_scaled_by_k_gives_exactly_k_minus_one(k):
    # same quality at k times the rate everywhere: log10 rates differ by log10 k at every PSNR
    test_rate = [k * r for r in ANCHOR_RATE]
    assert bd_rate(ANCHOR_RATE, ANCHOR_PSNR, test_rate, ANCHOR_PSNR) == pytest.approx(
        (k - 1) * 100, abs=1e-9
    )


@pytest.mark.parametrize("shift", [-1.5, 0.0, 0.25, 2.0])
def test_psnr_shifted_by_c_gives_exactly_c(shift):
    test_psnr = [q + shift for q in ANCHOR_PSNR]
    assert bd_psnr(ANCHOR_RATE, ANCHOR_PSNR, ANCHOR_RATE, test_psnr) == pytest.approx(
        shift, abs=1e-12
    )


def test_two_point_curves_worked_by_hand():
    # Two points: PCHIP is the straight line. Anchor: log10 r = (q - 30) / 10 on q in [30, 40];
    # test: log10 r = (q - 30) / 5. Mean gap (q - 30) / 10 over [30, 40] = 0.5 decades:
    # BD-rate = 10^0.5 - 1 = 216.23%. BD-PSNR: anchor q = 30 + 10 x, test q = 30 + 5 x on the
    # shared x = log10 r in [0, 1]: mean gap -5 x = -2.5 dB.
    anchor = ([1.0, 10.0], [30.0, 40.0])
    test = ([1.0, 100.0], [30.0, 40.0])
    assert bd_rate(*anchor, *test) == pytest.approx((math.sqrt(10) - 1) * 100, rel=1e-12)
    assert bd_psnr(*anchor, *test) == pytest.approx(-2.5, abs=1e-12)


def test_only_the_overlap_counts():
    # test covers quality 30..35 only; on that range it needs twice the rate -> +100%
    test_rate = [2 * 1.0, 2 * 10 ** 0.5]
    assert bd_rate([1.0, 10.0], [30.0, 40.0], test_rate, [30.0, 35.0]) == pytest.approx(100.0)


def test_bad_curves_say_what_is_wrong():
    with pytest.raises(ValueError, match="at least 2"):
        bd_rate([0.1], [30.0], [0.1, 0.2], [30.0, 31.0])
    with pytest.raises(ValueError, match="rise strictly"):
        bd_rate([0.1, 0.2], [31.0, 30.0], [0.1, 0.2], [30.0, 31.0])
    with pytest.raises(ValueError, match="do not overlap"):
        bd_rate([0.1, 0.2], [30.0, 31.0], [0.1, 0.2], [40.0, 41.0])
    with pytest.raises(ValueError, match="positive"):
        bd_psnr([0.0, 0.2], [30.0, 31.0], [0.1, 0.2], [30.0, 31.0])
