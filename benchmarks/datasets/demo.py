"""The demo cache: small demo sets in the official layouts, built offline on first use.

Without ``--data-root`` the harness runs on these, so every task works out of the box.
Nothing is downloaded. They are a smoke test, not a benchmark: scores on them are not
comparable with the paper's. A reader declares its demo set as its ``demo`` class
attribute (a :class:`~benchmarks.datasets.base.DemoSet`: version, builder, source; ``None``
if it has none), so any reader registered in :data:`~benchmarks.datasets.DATASETS`, a
third-party one included, ships its own. The builder sits in the dataset's package beside
its reader (``benchmarks/datasets/<dataset>/demo.py``) and documents what the set contains
and where the data comes from.

A set is built into ``$PYRATOK_CACHE`` (default ``~/.cache/pyratok``)
``/demo/<name>-v<version>``: written into a temporary sibling folder, then renamed into
place, so concurrent builders are safe and a half-built folder is never seen. A builder
that changes its output bumps its version, so a stale cache is never reused.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Set
from pathlib import Path

from benchmarks.datasets import DATASETS
from benchmarks.datasets.base import DemoSet  # also what a reader imports from here

MARKER = "PYRATOK_DEMO.txt"  # written into every demo root; see is_demo_root
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

    Readers report it as :attr:`~benchmarks.datasets.base.DatasetInfo.version`, so a summary
    never mistakes a demo set for a release of the real dataset.
    """
    try:
        text = (Path(path) / MARKER).read_text(encoding="utf-8")
    except OSError:
        return None
    match = _MARKER_VERSION.match(text)
    return f"demo-v{match['version']}" if match else "demo"


def demo_set(dataset: str) -> DemoSet | None:
    """The demo set that the reader registered as ``dataset`` declares; ``None`` if it
    declares none or no reader has that name. Imports that reader only."""
    if dataset not in DATASETS:
        return None
    return DATASETS.get(dataset).demo


class _DemoDatasets(Set[str]):
    """The registered datasets (plug-ins included) whose reader declares a demo set.

    ``name in DEMO_DATASETS`` imports only that reader; iterating imports every reader.
    """

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and demo_set(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter([name for name in DATASETS.names() if demo_set(name) is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)


DEMO_DATASETS: Set[str] = _DemoDatasets()


def demo_root(dataset: str) -> Path:
    """The demo set of the reader registered as ``dataset``, built on first use.

    Returns:
        A folder in the official layout of the dataset, ready for its reader.

    Raises:
        ValueError: no demo set for ``dataset``.
    """
    demo = demo_set(dataset)
    if demo is None:
        available = ", ".join(sorted(DEMO_DATASETS))
        raise ValueError(f"no demo set for {dataset!r}; available: {available}")
    root = cache_dir() / f"{dataset}-v{demo.version}"
    if root.is_dir():  # only ever created complete, by the rename below
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{root.name}.building-", dir=root.parent))
    try:
        demo.build(building)
        module = demo.builder.partition(":")[0].replace(".", "/")
        (building / MARKER).write_text(
            f"PyraTok demo data ({dataset}, v{demo.version}): built offline, {demo.source}; "
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
