"""``example-squares``: a dataset reader with its own demo set.

Layout (what :func:`.demo.build` writes; a real plug-in reads its dataset's official one)::

    <root>/squares.csv          clip_id,file,seed    (file relative to root)
    <root>/clips/<clip_id>.mp4

It shows what a dataset plug-in implements: the reader contract of
:class:`benchmarks.datasets.base.Dataset` (``refs``, ``bad_rows``, ``absent``, ``load``,
``info``), its demo set declared on the class (``demo = DemoSet(...)``, built by the harness
when a run has no ``--data-root``), and the class registered in the ``benchmarks.datasets``
entry-point group under the name a task YAML gives as ``dataset:``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks.datasets.base import (
    DatasetError,
    DatasetInfo,
    DemoSet,
    Sample,
    SampleError,
    SampleRef,
)
from benchmarks.datasets.demo import demo_version
from benchmarks.datasets.index import Index, IndexedDataset
from benchmarks.datasets.media import load_video_clip
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import Backend

INDEX = "squares.csv"  # kept in step with demo.INDEX (not imported: the reader stays light)
COLUMNS = ("clip_id", "file", "seed")


class MovingSquaresDataset(IndexedDataset):
    """Clips listed in ``squares.csv``.

    Args:
        root: the folder holding ``squares.csv`` and ``clips/``.
        sampling: clip selection and preprocessing (from the task YAML).
        backend: video decoder (see :func:`benchmarks.io.video.read_frames`).
    """

    name = "example-squares"
    annotation = None  # clips only: no ground truth beyond the pixels
    # imported only when the harness builds the set (no --data-root, first use)
    demo = DemoSet(1, "benchmarks_plugin_example.demo:build", "synthetic moving squares")

    def __init__(
        self, root: str | Path, *, sampling: FrameSampling, backend: Backend = "auto"
    ) -> None:
        self.root = Path(root)
        self.sampling = sampling
        self.backend: Backend = backend
        self.index = self.root / INDEX
        if not self.index.is_file():
            raise DatasetError(self.index, f"index file not found (expected {INDEX} in the root)")
        self._index: Index | None = None

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Decode the clip: ``video`` ``(3, t, H, W)`` float32 in [0, 1].

        Raises:
            SampleError: missing, corrupt or too short video.
        """
        return load_video_clip(ref, self.sampling, num_frames=num_frames, backend=self.backend)

    def info(self) -> DatasetInfo:
        """No split and no classes; ``version`` is ``"demo-v1"`` on the demo set the harness
        built (its marker file says so), else ``None``."""
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            annotation_file=str(self.index),
            version=demo_version(self.root),
        )

    def _parse(self) -> Index:
        if self._index is None:
            self._index = Index.on_disk(*_read_index(self.index, self.root))
        return self._index


def _read_index(path: Path, root: Path) -> tuple[list[SampleRef], list[SampleError]]:
    """The index rows as refs (in file order) and the rows that cannot be used (id
    ``row-<line>``, header = line 1)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(name.strip() for name in rows[0]) != COLUMNS:
        found = ",".join(rows[0]) if rows else "an empty file"
        raise DatasetError(path, f"expected the header {','.join(COLUMNS)}, found {found}")
    refs: list[SampleRef] = []
    malformed: list[SampleError] = []
    seen: set[str] = set()
    for line, fields in enumerate(rows[1:], start=2):
        reason = _row_problem(fields, seen)
        if reason:
            malformed.append(SampleError(f"row-{line}", path, reason))
            continue
        clip_id, file, seed = (field.strip() for field in fields)
        seen.add(clip_id)
        refs.append(SampleRef(clip_id, str(root / file), extra={"seed": seed, "row": line}))
    return refs, malformed


def _row_problem(fields: list[str], seen: set[str]) -> str | None:
    """Why an index row cannot be used, or ``None``."""
    if len(fields) != len(COLUMNS):
        return f"{len(fields)} fields, the header has {len(COLUMNS)}"
    clip_id, file = fields[0].strip(), fields[1].strip()
    if not clip_id or not file:
        return "empty clip_id or file"
    if clip_id in seen:
        return f"duplicate clip_id {clip_id}"
    return None
