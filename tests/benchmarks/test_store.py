"""Result store: checked writes, a crash's cut record, side-file arrays, record layout."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from benchmarks import store as store_mod
from benchmarks.records import RecordError
from benchmarks.store import SAMPLES, ResultStore, RunRecord, read_jsonl


def _record(i: int) -> RunRecord:
    return RunRecord(sample_id=f"s{i}", path=f"/v/{i}.mp4", metrics={"psnr": float(i)})


def test_a_cut_last_record_is_skipped_and_the_next_starts_on_a_fresh_line(tmp_path):
    with ResultStore(tmp_path, config_hash="h") as st:
        for i in range(3):
            st.add_sample(_record(i))
    path = tmp_path / SAMPLES
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 9])  # the crash cut record s2 mid-way
    with ResultStore(tmp_path, config_hash="h") as st:
        assert set(st.samples()) == {"s0", "s1"}
        st.add_sample(_record(2))
        st.add_sample(_record(3))
    with ResultStore(tmp_path, config_hash="h") as st:
        assert set(st.samples()) == {"s0", "s1", "s2", "s3"}


def test_short_writes_are_completed(tmp_path, monkeypatch):
    real_write = os.write

    def one_byte(fd, data):
        return real_write(fd, bytes(data[:1]))

    monkeypatch.setattr(store_mod.os, "write", one_byte)
    with ResultStore(tmp_path, config_hash="h") as st:
        st.add_sample(_record(7))
    monkeypatch.undo()
    (rec,) = read_jsonl(tmp_path / SAMPLES)
    assert rec["sample_id"] == "s7" and rec["config_hash"] == "h"


def test_arrays_go_to_a_side_file_not_the_jsonl(tmp_path):
    big = np.arange(10_000, dtype=np.float32).reshape(100, 100)
    with ResultStore(tmp_path, config_hash="h") as st:
        st.add_sample(_record(0), {"features": big})
        rec = st.samples()["s0"]
        assert rec.arrays is not None and rec.arrays.startswith("arrays/")
        assert np.array_equal(st.load_arrays(rec)["features"], big)
    assert (tmp_path / SAMPLES).stat().st_size < 1000  # the array is not inline
    line = json.loads((tmp_path / SAMPLES).read_text())
    assert set(line) == {"sample_id", "path", "metrics", "prediction", "group", "arrays",
                         "config_hash"}


def test_records_of_another_config_do_not_count(tmp_path):
    with ResultStore(tmp_path, config_hash="old") as st:
        st.add_sample(_record(0))
    with ResultStore(tmp_path, config_hash="new") as st:
        assert st.samples() == {}


def test_a_record_is_written_in_the_layout_it_always_had(tmp_path):
    """Key order and optional keys as before the typed record: old tooling reads it."""
    with ResultStore(tmp_path, config_hash="h") as st:
        st.add_sample(RunRecord(sample_id="a", path="p", metrics={"m": 1.0}, group="g",
                                padded_frames=3))
        st.add_sample(RunRecord(sample_id="b", path="q", prediction=[1, 2]))
    lines = (tmp_path / SAMPLES).read_text().splitlines()
    assert lines == [
        '{"sample_id": "a", "path": "p", "metrics": {"m": 1.0}, "prediction": null, '
        '"group": "g", "padded_frames": 3, "config_hash": "h"}',
        '{"sample_id": "b", "path": "q", "metrics": {}, "prediction": [1, 2], "group": null, '
        '"config_hash": "h"}',
    ]
    with ResultStore(tmp_path, config_hash="h") as st:
        assert st.samples()["a"] == RunRecord(sample_id="a", path="p", metrics={"m": 1.0},
                                              group="g", padded_frames=3, config_hash="h")


def test_cluster_and_fingerprint_are_written_after_group_only_when_set(tmp_path):
    with ResultStore(tmp_path, config_hash="h") as st:
        st.add_sample(RunRecord(sample_id="a", path="p", group="g", cluster="Cls/g01",
                                fingerprint="file:3:ab"))
    line = (tmp_path / SAMPLES).read_text().splitlines()[0]
    assert line == ('{"sample_id": "a", "path": "p", "metrics": {}, "prediction": null, '
                    '"group": "g", "cluster": "Cls/g01", "fingerprint": "file:3:ab", '
                    '"config_hash": "h"}')
    with ResultStore(tmp_path, config_hash="h") as st:
        record = st.samples()["a"]
    assert (record.cluster, record.fingerprint) == ("Cls/g01", "file:3:ab")


def test_a_cluster_of_the_wrong_type_is_a_record_error():
    with pytest.raises(RecordError, match="^cluster: expected a string or null"):
        RunRecord.from_dict({"sample_id": "a", "cluster": 3})


def test_import_records_copies_another_stores_records_and_arrays(tmp_path):
    with ResultStore(tmp_path / "part", config_hash="h") as st:
        st.add_sample(_record(0), {"x": np.ones(3)})
        st.add_sample(_record(1))
        st.add_failure({"sample_id": "s2", "path": "", "reason": "bad", "stage": "load"})
    with ResultStore(tmp_path / "part", config_hash="other") as st:
        st.add_sample(_record(5))  # another configuration: never imported
    with ResultStore(tmp_path / "run", config_hash="h") as st:
        st.add_sample(_record(1))
        assert st.import_records(tmp_path / "part") == (1, 1)
        assert sorted(st.samples()) == ["s0", "s1"]
        assert np.array_equal(st.load_arrays(st.samples()["s0"])["x"], np.ones(3))
        assert set(st.failures()) == {"s2"}


def test_nothing_outside_the_store_appends_to_its_files():
    """``merge`` and the runner write through the store's public methods only."""
    from pathlib import Path

    package = Path(store_mod.__file__).parent
    callers = [p for p in package.rglob("*.py")
               if "._append(" in p.read_text(encoding="utf-8") and p.name != "store.py"]
    assert callers == []
