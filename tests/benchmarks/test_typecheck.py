"""``fits``: a value read from YAML or JSON against a dataclass field's annotation."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.typecheck import fits


@pytest.mark.parametrize(("annotation", "value", "ok"), [
    (int, 3, True), (int, True, False), (int, 2.0, False), (float, 3, True),
    (bool, 1, False), (str | None, None, True), (list[str], ["a", 1], False),
    (tuple[int, int], [0, 2], True), (tuple[int, int], [0, 1, 2], False),
    (dict[str, int], {"a": "1"}, False),
    # a path is its text: a number there (a shard.json's data_root) is refused
    (str | Path | None, "/data", True), (str | Path | None, Path("/data"), True),
    (str | Path | None, 5, False), (Path, ["/data"], False),
])
def test_fits(annotation, value, ok):
    assert fits(annotation, value) is ok
