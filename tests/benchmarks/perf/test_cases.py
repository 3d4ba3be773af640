"""Every perf case, on its smallest inputs: both sides give the same numbers.

The timings of a quick run mean nothing; what is checked is what the perf command would
otherwise only report: that our implementation and the reference agree to the row's
tolerance. A case whose reference is not installed is skipped, naming it."""

from __future__ import annotations

import pytest

from benchmarks.perf.case import PerfContext, discover

CASES = discover()


@pytest.mark.parametrize("case_id", list(CASES))
def test_quick_run_agrees_with_its_reference(case_id, tmp_path):
    case = CASES[case_id]
    if case.missing():
        pytest.skip(f"needs {', '.join(case.missing())}")
    rows = case.run(PerfContext(tmp_path, repeats=1, quick=True))
    assert rows
    for row in rows:
        assert row.agrees is not False, f"{row.id}: gap {row.gap} > {row.tolerance}"
        assert row.measured == row.measured  # not NaN
