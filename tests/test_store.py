"""Result store: checked writes, a crash's cut record, side-file arrays, record layout."""

from __future__ import annotations

import json
import os

import numpy as np

from benchmarks import store as store_mod
from benchmarks.store import SAMPLES, ResultStore, read_jsonl


def _record(i: int) -> dict:
    return {"sample_id": f"s{i}", "path": f"/v/{i}.mp4", "metrics": {"psnr": float(i)},
            "prediction": None, "group": None}


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
        assert rec["arrays"].startswith("arrays/")
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
