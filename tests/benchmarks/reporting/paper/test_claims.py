"""Claims from tables that mix distance protocols: each row's number under its protocol."""

from __future__ import annotations

import pytest

from benchmarks.config import task_files
from benchmarks.reporting.paper.claims import (
    NOT_STATED,
    distance_prefix,
    paper_claims,
    with_row_protocol,
)


@pytest.mark.parametrize(("metric", "prefix"), [
    ("rfvd", "r"), ("rfvd_videogpt", "r"), ("fvd", ""), ("rcd_fvd", "r"), ("rjedi", "r"),
    ("fd_effnet_lite0", ""), ("psnr", None), ("lpips", None), ("xrfvd", None)])
def test_distance_prefix(metric, prefix) -> None:
    assert distance_prefix(metric) == prefix


def test_a_row_goes_to_its_protocols_metric() -> None:
    metrics, records = with_row_protocol({"rfvd": 16.0, "psnr": 30.0}, " fvd-videogpt ")
    assert metrics == {"rfvd_videogpt": 16.0, "psnr": 30.0}
    assert records == {"rfvd_videogpt": {"protocol": "fvd-videogpt"}}
    metrics, records = with_row_protocol({"rfvd": 20.0}, "fvd-styleganv")
    assert (metrics, records) == ({"rfvd": 20.0}, {"rfvd": {"protocol": "fvd-styleganv"}})


def test_an_unstated_protocol_is_marked_never_guessed() -> None:
    metrics, records = with_row_protocol({"rfvd": 25.0}, "the original paper's (not stated)")
    assert (metrics, records) == ({"rfvd": 25.0}, {"rfvd": {"protocol": NOT_STATED}})
    with pytest.raises(ValueError, match="'fvd-videogtp': name a registered protocol"):
        with_row_protocol({"rfvd": 1.0}, "fvd-videogtp")


def test_every_task_with_a_protocol_column_loads_its_claims() -> None:
    """Every row of those CSVs names a registered protocol or says it is not stated, and
    every FVD-like claim carries its protocol record."""
    tasks = [name for name, t in task_files().items() if "paper_protocol_column" in t.raw]
    assert {"ucf101-rfvd-128", "ucf101-rfvd-256", "k600-rfvd-256"} <= set(tasks)
    claims = paper_claims(tasks)
    assert claims
    for claim in claims:
        protocols = claim.evaluation["protocols"]
        assert set(protocols) == {m for m in claim.metrics if distance_prefix(m) is not None}
