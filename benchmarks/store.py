"""Result store: ``<output>/<task>/<run name>/`` with three files and a side folder.

- ``samples.jsonl`` — one JSON record per scored sample, written with checked
  ``os.write`` calls on an ``O_APPEND`` descriptor as each sample completes, so a run
  killed with SIGKILL loses at most the samples in flight and ranks of a distributed run
  can append to the same file without interleaving lines. A record is a
  :class:`RunRecord`, ``{sample_id, path, metrics: {...}, prediction, group, [cluster],
  [fingerprint], [padded_frames], [arrays], config_hash}``: a family's metric names live under
  ``metrics`` and can never collide with the record's own keys.
- ``arrays/`` — large per-sample arrays (``.npz``, written atomically *before* the record
  that names them, so a record never points at a missing file).
- ``failures.jsonl`` — one record per sample that could not be scored (file + reason).
- ``summary.json`` — a :class:`RunSummary`, written atomically (temporary file +
  ``os.replace``), with its ``schema_version``; :meth:`RunSummary.read` reads every
  version written so far (version 1, before the key existed, has the same keys).

Every record carries the run's ``config_hash``; on resume, only records with the current
hash count as done, so changing the protocol never mixes results. A record cut by a crash
(the file's last line) is skipped with one warning, and the next writer starts on a fresh
line, so the sample is recomputed and nothing after it is lost (so is a line the JSON
reader refuses: nested too deep, a duplicate key).

Both files and the summary are strict JSON (:func:`benchmarks.io.jsonfile.dumps`): a
non-finite float is the string ``"nan"``, ``"inf"`` or ``"-inf"``; :class:`RunRecord` and
:class:`RunSummary` read those back as floats in their metrics.

The records' and the summary's types live in :mod:`benchmarks.records`; import them from
here.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, dumps, parse_json
from benchmarks.io.regular import open_regular
from benchmarks.records import (
    SCHEMA_VERSION,
    EvaluatedIds,
    RecordError,
    RunRecord,
    RunSummary,
    ScoreSummary,
    ShortClips,
    SummaryError,
    inputs_digest,
)

# the schema of what the store holds is imported from here
__all__ = [
    "ARRAYS", "FAILURES", "SAMPLES", "SCHEMA_VERSION", "SUMMARY", "EvaluatedIds",
    "ResultStore", "RunRecord", "RunSummary", "ScoreSummary", "ShortClips", "SummaryError",
    "inputs_digest", "read_jsonl", "write_all", "write_bytes_atomic", "write_json_atomic",
]
log = logging.getLogger(__name__)

SAMPLES = "samples.jsonl"
FAILURES = "failures.jsonl"
SUMMARY = "summary.json"
ARRAYS = "arrays"


# files --------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file; malformed lines (a crash's cut record) are skipped."""
    if not path.exists():
        return
    bad = 0
    with open_regular(path) as f:
        for line in iter(lambda: f.readline(SMALL_BYTES + 1), b""):
            if len(line) > SMALL_BYTES:  # one endless line: skipped in bounded memory
                while line and not line.endswith(b"\n"):
                    line = f.readline(SMALL_BYTES + 1)
                bad += 1
                continue
            if not line.strip():
                continue
            try:
                record = parse_json(line, source=path, max_bytes=SMALL_BYTES)
            except JsonFileError:  # cut, garbled, absurdly nested or long
                bad += 1
                continue
            if isinstance(record, dict):
                yield record
            else:
                bad += 1
    if bad:
        _warn_once("%s: skipped %d incomplete record(s) (cut by a crash); they are "
                  "recomputed", path, bad)


_WARNED: set[tuple[Any, ...]] = set()


def _warn_once(message: str, *args: Any) -> None:
    """Log a warning once per process: a run reads its store several times (resume, then
    the summary), and one bad line is one line on stderr, not three."""
    if (message, *args) not in _WARNED:
        _WARNED.add((message, *args))
        log.warning(message, *args)


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a short write is not an error)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(f"os.write wrote {written} bytes")
        view = view[written:]


def write_bytes_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """``payload`` as strict JSON (:func:`~benchmarks.io.jsonfile.dumps`: a non-finite float
    is the string "nan", "inf" or "-inf"), written atomically."""
    write_bytes_atomic(path, (dumps(payload, indent=2) + "\n").encode())


def _ends_mid_line(path: Path) -> bool:
    """Whether a non-empty file's last byte is not a newline (a record cut by a crash)."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                return False
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except FileNotFoundError:
        return False


class ResultStore:
    """Append-only per-run storage with resume.

    Args:
        run_dir: ``<output>/<task>/<run name>``.
        config_hash: hash of everything that changes the numbers.
    """

    def __init__(self, run_dir: Path, *, config_hash: str) -> None:
        self.run_dir = Path(run_dir)
        self.config_hash = config_hash
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._fds: dict[str, int] = {}

    @staticmethod
    def clear(run_dir: Path, *, keep: tuple[str, ...] = (".lock",)) -> None:
        """Remove a previous run's files and folders (``--no-resume``), except ``keep``
        (the lock the caller holds)."""
        for path in Path(run_dir).iterdir() if Path(run_dir).is_dir() else ():
            if path.name in keep:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)

    # reading ----------------------------------------------------------------------

    def samples(self) -> dict[str, RunRecord]:
        """Records of the current config, keyed by sample id (last one wins). A record of
        wrong types (:func:`~benchmarks.records.record_problem`) is skipped as a cut one
        is, and said in one warning line: it is recomputed, never counted."""
        path = self.run_dir / SAMPLES
        out: dict[str, RunRecord] = {}
        bad: list[str] = []
        for r in read_jsonl(path):
            if r.get("config_hash") != self.config_hash or "sample_id" not in r:
                continue
            try:
                record = RunRecord.from_dict(r)
            except RecordError as err:
                bad.append(str(err))
                continue
            out[record.sample_id] = record
        if bad:
            _warn_once("%s: skipped %d record(s) of wrong types (first: %s); they are "
                      "recomputed", path, len(bad), bad[0])
        return out

    def failures(self) -> dict[str, dict[str, Any]]:
        return {
            r["sample_id"]: r
            for r in read_jsonl(self.run_dir / FAILURES)
            if r.get("config_hash") == self.config_hash and "sample_id" in r
        }

    def load_arrays(self, record: RunRecord) -> dict[str, np.ndarray]:
        """The side-file arrays a record names (``{}`` if none)."""
        if not record.arrays:
            return {}
        with np.load(self.run_dir / record.arrays, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}

    # writing ----------------------------------------------------------------------

    def _append(self, name: str, record: dict[str, Any]) -> None:
        fd = self._fds.get(name)
        if fd is None:
            path = self.run_dir / name
            repair = _ends_mid_line(path)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._fds[name] = fd
            if repair:  # start after a crash's cut record, never glued onto it
                log.warning("%s: the last record was cut by a crash; it is recomputed", path)
                write_all(fd, b"\n")
        line = dumps({**record, "config_hash": self.config_hash}) + "\n"  # strict JSON
        write_all(fd, line.encode())

    def add_sample(self, record: RunRecord, arrays: dict[str, np.ndarray] | None = None) -> None:
        """Append a sample record; ``arrays`` first go to ``arrays/<key>.npz``."""
        if arrays:
            key = hashlib.sha256(f"{record.sample_id}:{self.config_hash}".encode())
            rel = f"{ARRAYS}/{key.hexdigest()[:20]}.npz"
            (self.run_dir / ARRAYS).mkdir(exist_ok=True)
            buf = io.BytesIO()
            np.savez(buf, **arrays)
            write_bytes_atomic(self.run_dir / rel, buf.getvalue())
            record = replace(record, arrays=rel)
        self._append(SAMPLES, replace(record, config_hash=None).to_dict())

    def add_failure(self, record: dict[str, Any]) -> None:
        """Append a failure record: ``{sample_id, path, reason, stage}``."""
        self._append(FAILURES, record)

    def import_records(self, other_dir: Path) -> tuple[int, int]:
        """Append another store's records of this config hash (a ``--shard`` folder's) that
        this one lacks, their array files copied along; returns ``(samples, failures)``
        imported. Records stay as written (ids, arrays paths), so the merged run's summary
        is the one-process run's."""
        done, failed = self.samples(), self.failures()
        n_samples = n_failures = 0
        for record in ResultStore(other_dir, config_hash=self.config_hash).samples().values():
            if record.sample_id in done:
                continue
            if record.arrays:
                (self.run_dir / ARRAYS).mkdir(exist_ok=True)
                shutil.copyfile(other_dir / record.arrays, self.run_dir / record.arrays)
            self._append(SAMPLES, replace(record, config_hash=None).to_dict())
            done[record.sample_id] = record
            n_samples += 1
        for record in read_jsonl(other_dir / FAILURES):
            sid = record.get("sample_id")
            if record.get("config_hash") == self.config_hash and sid not in failed:
                self._append(FAILURES, {k: v for k, v in record.items() if k != "config_hash"})
                failed[sid] = record
                n_failures += 1
        return n_samples, n_failures

    def write_summary(self, summary: RunSummary) -> Path:
        path = self.run_dir / SUMMARY
        write_json_atomic(path, summary.to_dict())
        return path

    def read_summary(self) -> RunSummary:
        """This run's ``summary.json`` (any known schema version)."""
        return RunSummary.read(self.run_dir / SUMMARY)

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
