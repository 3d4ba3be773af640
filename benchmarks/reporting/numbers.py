"""The one number formatter of every report: terminal lines, tables, the site, check.

A :class:`NumberStyle` says how one kind of output writes a number; each style below
names the outputs that use it and why it differs from the others. Every output writes a
missing value, ``nan`` and ``±inf`` the same way (``inf`` keeps its sign: an identity
tokenizer's PSNR is ``inf``, a log-ratio can be ``-inf``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class NumberStyle:
    """How a kind of output writes a number.

    Attributes:
        significant: significant digits (``f"{x:.4g}"``), for numbers of any magnitude;
        decimals: ``((smallest |x|, decimals), ...)`` largest first: a fixed number of
            decimals chosen by magnitude, so a column of one metric lines up (used when
            ``significant`` is ``None``);
        missing: what a missing value (``None``) reads.
    """

    significant: int | None = None
    decimals: tuple[tuple[float, int], ...] = ()
    missing: str = "n/a"

    def decimals_for(self, value: float) -> int:
        """Decimals of ``value`` in a fixed-decimals style (the last entry's if none fits)."""
        for smallest, digits in self.decimals:
            if abs(value) >= smallest:
                return digits
        return self.decimals[-1][1]


# run, merge, score, compare, rd: numbers of any magnitude on a terminal line
TERMINAL = NumberStyle(significant=4)
# check: enough digits to see a change inside a tolerance (rel 1e-4 of the baseline);
# "—" because a row's missing side (a new or a vanished metric) is no value at all
BASELINE = NumberStyle(significant=6, missing="—")
# tables and the report site: 2 decimals from 10 up (PSNR 31.27), else 4 (SSIM 0.9123)
TABLE = NumberStyle(decimals=((10, 2), (0, 4)))
# tables --paper N: four significant digits from 0.1 to 100 (31.27, 2.800, 0.9123), the
# paper's 2 decimals for its mAP and PSNR columns, and a CI on its own (12.50 ± 1.250)
PAPER = NumberStyle(decimals=((10, 2), (1, 3), (0, 4)))


def format_number(value: float | None, style: NumberStyle = TERMINAL, *,
                  like: float | None = None) -> str:
    """``value`` written in ``style``.

    Args:
        value: the number; ``None`` reads ``style.missing``.
        style: one of the styles above.
        like: in a fixed-decimals style, take the decimals of this number instead (a CI
            half-width written with its mean's decimals: ``31.27 ± 0.12``).
    """
    if value is None:
        return style.missing
    if math.isnan(value) or math.isinf(value):
        return str(float(value))  # "nan", "inf", "-inf"
    if style.significant is not None:
        return f"{value:.{style.significant}g}"
    reference = value if like is None or not math.isfinite(like) else like
    return f"{value:.{style.decimals_for(reference)}f}"


def format_mean_ci(mean: float | None, ci: float | None, style: NumberStyle = TABLE) -> str:
    """``mean ± ci`` (the half-width with the mean's decimals), or the mean alone when the
    CI is missing or not finite (a single sample, an ``inf`` PSNR)."""
    text = format_number(mean, style)
    if mean is None or not math.isfinite(mean) or ci is None or not math.isfinite(ci):
        return text
    return f"{text} ± {format_number(ci, style, like=mean)}"
