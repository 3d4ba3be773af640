"""Result store: ``<output>/<task>/<tokenizer>/`` with three files.

- ``samples.jsonl`` — one JSON record per scored sample, written with a single
  ``os.write`` on an ``O_APPEND`` descriptor as each sample completes, so a run killed
  with SIGKILL loses at most the samples in flight and ranks of a distributed run can
  append to the same file without interleaving lines.
- ``failures.jsonl`` — one record per sample that could not be scored (file + reason).
- ``summary.json`` — written atomically (temporary file + ``os.replace``).

Every record carries the run's ``config_hash``; on resume, only records with the current
hash count as done, so changing the protocol never mixes results.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SAMPLES = "samples.jsonl"
FAILURES = "failures.jsonl"
SUMMARY = "summary.json"


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                # Only a line cut by a crash can be malformed; it is recomputed.
                log.warning("%s:%d: skipping an incomplete record", path, lineno)


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w") as f:
        json.dump(payload, f, indent=2, sort_keys=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class ResultStore:
    """Append-only per-run storage with resume.

    Args:
        run_dir: ``<output>/<task>/<tokenizer>``.
        config_hash: hash of everything that changes the numbers.
    """

    def __init__(self, run_dir: Path, *, config_hash: str) -> None:
        self.run_dir = Path(run_dir)
        self.config_hash = config_hash
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._fds: dict[str, int] = {}

    @staticmethod
    def clear(run_dir: Path) -> None:
        """Remove a previous run's files (``--no-resume``)."""
        for name in (SAMPLES, FAILURES, SUMMARY):
            (Path(run_dir) / name).unlink(missing_ok=True)
        plots = Path(run_dir) / "plots"
        if plots.is_dir():
            shutil.rmtree(plots)

    # reading ----------------------------------------------------------------------

    def samples(self) -> dict[str, dict[str, Any]]:
        """Records of the current config, keyed by sample id (last one wins)."""
        return {
            r["sample_id"]: r
            for r in _read_jsonl(self.run_dir / SAMPLES)
            if r.get("config_hash") == self.config_hash
        }

    def failures(self) -> dict[str, dict[str, Any]]:
        return {
            r["sample_id"]: r
            for r in _read_jsonl(self.run_dir / FAILURES)
            if r.get("config_hash") == self.config_hash
        }

    # writing ----------------------------------------------------------------------

    def _append(self, name: str, record: dict[str, Any]) -> None:
        fd = self._fds.get(name)
        if fd is None:
            fd = os.open(self.run_dir / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._fds[name] = fd
        line = json.dumps({**record, "config_hash": self.config_hash}) + "\n"
        os.write(fd, line.encode())

    def add_sample(self, record: dict[str, Any]) -> None:
        self._append(SAMPLES, record)

    def add_failure(self, record: dict[str, Any]) -> None:
        self._append(FAILURES, record)

    def write_summary(self, summary: dict[str, Any]) -> Path:
        path = self.run_dir / SUMMARY
        write_json_atomic(path, summary)
        return path

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
