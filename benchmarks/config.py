"""Task configuration: one small YAML per benchmark, parsed into dataclasses.

A task file holds flat values. The keys of :class:`TaskConfig` are common to all tasks;
a task family may declare its own ``Params`` dataclass for extra keys. Any other key is an
error that names the key and the file. Files are read with ``yaml.safe_load`` only.

Task files are found by path, never imported: the repository's ``tasks/`` folder (or the
copy shipped inside the wheel as ``benchmarks/_tasks``), the folders of installed
``benchmarks.tasks`` plug-ins, plus every ``--include-path``.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from benchmarks.io.regular import read_text

if TYPE_CHECKING:
    from benchmarks.io.sampling import FrameSampling


class ConfigError(ValueError):
    """A task file or override is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class TaskConfig:
    """Common keys of a task YAML (see ``tasks/webvid.yaml`` for a commented example).

    Attributes:
        task: task name used on the command line (``--task``).
        family: task-family registry name (``reconstruction``, ...).
        dataset: dataset reader name (``webvid``, ``coco``, ...).
        description: one line for ``benchmarks list``.
        paper_table: CSV in ``benchmarks/paper_claims/`` with the paper's numbers.
        paper_columns: metric → column index of that CSV's data rows (``tables --paper``).
        claims_source: who reported that CSV's numbers, the label of its rows in tables
            (``paper``: the PyraTok paper; ``TokenBench README`` …).
        paper_header_rows: header rows of that CSV (the transcriptions keep the paper's
            one- or two-row headers).
        paper_protocol_column: column of that CSV naming each row's distance protocol
            (``fvd-videogpt`` …), for tables that mix protocols: a row's FVD-like claim goes
            to its own protocol's metric (:mod:`benchmarks.reporting.paper.claims`).
        frames_per_clip, frame_stride, start, resize_shorter, crop: the frame-sampling
            protocol, see :class:`benchmarks.io.sampling.FrameSampling`.
        batch_size: clips per tokenizer call (1 keeps latency per clip).
        num_workers: background decoding processes, for runs of at least 32 clips on a GPU
            (on the CPU only when the run asks, ``--num-workers``); otherwise a thread
            decodes the next clip while one is scored (``runner.execute.decode_workers``).
        dataset_args: keyword arguments for the dataset reader (``split``, ``version`` ...).
        demo_overrides: keys replaced when the task runs on its bundled demo set (its
            resolution, prompt templates ...); recorded in the config like any other key.
        data_root: the task's own data folder (a user's task over their clips), used when
            no ``--data-root`` is given; a relative path is relative to the task file's
            folder (stored resolved). Not hashed as a key: the run's hash holds the data
            root it used, wherever it came from. A task with one never runs on a demo set.
    """

    task: str
    family: str
    dataset: str
    description: str = ""
    paper_table: str = ""
    paper_columns: dict[str, int] | None = None
    paper_header_rows: int = 2
    paper_protocol_column: int | None = None
    claims_source: str = "paper"
    frames_per_clip: int = 17
    frame_stride: int = 1
    start: str = "first"
    resize_shorter: int | None = 256
    crop: int | None = 256
    batch_size: int = 1
    num_workers: int = 2
    dataset_args: dict[str, Any] | None = None
    demo_overrides: dict[str, Any] | None = None
    data_root: str | None = None
    source: str = field(default="", compare=False)

    @property
    def sampling(self) -> FrameSampling:
        from benchmarks.io.sampling import FrameSampling

        return FrameSampling(
            frames_per_clip=self.frames_per_clip,
            frame_stride=self.frame_stride,
            start=self.start,  # type: ignore[arg-type]
            resize_shorter=self.resize_shorter,
            crop=self.crop,
        )

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("source")
        return d


# Lower bounds of the common integer keys (a 0-frame clip or batch is nonsense).
MINIMUM = {"frames_per_clip": 1, "frame_stride": 1, "batch_size": 1, "num_workers": 0}
COMMON_KEYS = frozenset(f.name for f in dataclasses.fields(TaskConfig)) - {"source"}


def builtin_task_dirs() -> list[Path]:
    """The repository's ``tasks/`` (editable installs) or the wheel's ``benchmarks/_tasks``."""
    here = Path(__file__).resolve().parent
    return [p for p in (here.parent / "tasks", here / "_tasks") if p.is_dir()]


def plugin_task_dirs() -> list[tuple[str, Path]]:
    """``(entry point, folder)`` of every installed ``benchmarks.tasks`` plug-in: the entry
    point's value names a package (``my_pkg.tasks``) whose folder holds task YAML files."""
    import importlib

    from benchmarks.registry import plugin_entry_points

    out: list[tuple[str, Path]] = []
    for ep in plugin_entry_points("benchmarks.tasks"):
        where = f"plug-in {ep.name} = {ep.value!r} (entry-point group 'benchmarks.tasks')"
        if ep.attr:
            raise ConfigError(f"{where}: must name a package whose folder holds task YAMLs, "
                              "not a package:attribute")
        try:
            module = importlib.import_module(ep.module)
        except ImportError as err:
            raise ConfigError(f"{where}: cannot import {ep.module!r}: {err}") from err
        folders = list(getattr(module, "__path__", []))
        if not folders or not Path(folders[0]).is_dir():
            raise ConfigError(f"{where}: {ep.module!r} is not a package in a folder")
        out.append((where, Path(folders[0])))
    return out


@dataclass(frozen=True)
class TaskFile:
    """A task YAML as found: its name, path and raw mapping (read once, by discovery)."""

    name: str
    path: Path
    raw: dict[str, Any]

    @property
    def family(self) -> str:
        """The ``family:`` key (a ``ConfigError`` naming the file if it has none)."""
        if self.raw.get("family") is None:
            raise ConfigError(f"{self.path}: missing required key 'family'")
        return str(self.raw["family"])


def _task_files(folder: Path) -> dict[str, TaskFile]:
    """Task name (its ``task:`` key, else the file stem) → task file, for one folder."""
    found: dict[str, TaskFile] = {}
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        raw = read_yaml(path)
        name = str(raw.get("task", path.stem))
        found[name] = TaskFile(name, path, raw)
    return found


def task_files(include_paths: list[str | Path] | None = None) -> dict[str, TaskFile]:
    """Every task: built-ins, then ``benchmarks.tasks`` plug-ins (a name taken twice is an
    error naming both files), then ``--include-path`` folders, which override both. Each
    file is read once, here; its mapping travels with it."""
    found: dict[str, TaskFile] = {}
    for d in builtin_task_dirs():
        found.update(_task_files(d))
    for where, d in plugin_task_dirs():
        for name, task in _task_files(d).items():
            if name in found:
                raise ConfigError(f"{where}: task {name!r} ({task.path}) is already defined "
                                  f"by {found[name].path}; give it another `task:` name")
            found[name] = task
    for d in [Path(p).expanduser() for p in include_paths or []]:
        if not d.is_dir():
            raise ConfigError(f"--include-path {d}: not a folder")
        found.update(_task_files(d))
    return found


def discover_tasks(include_paths: list[str | Path] | None = None) -> dict[str, Path]:
    """Map task name → YAML path (see :func:`task_files`)."""
    return {name: task.path for name, task in task_files(include_paths).items()}


def find_task(name: str, include_paths: list[str | Path] | None = None) -> TaskFile:
    """The task called ``name``; an unknown name is a ``ConfigError`` with the closest
    names ("did you mean ...") and every known one."""
    import difflib

    tasks = task_files(include_paths)
    if name not in tasks:
        close = difflib.get_close_matches(name, tasks, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ConfigError(f"unknown task {name!r}{hint} (known: {', '.join(sorted(tasks))})")
    return tasks[name]


_PARSED: dict[str, Any] = {}  # task file text -> its parsed mapping (see read_yaml)
_PARSED_MAX = 256  # files kept, each of at most _PARSED_MAX_CHARS (task files are ~1 KB)
_PARSED_MAX_CHARS = 1 << 16


def read_yaml(path: Path) -> dict[str, Any]:
    """A task file as a mapping (size- and alias-capped, see :mod:`benchmarks.safe_yaml`).

    Every run reads every task file to find its task by name; the parse of a text already
    seen in this process is reused (keyed by the whole text, so an edited file is parsed
    again), and each caller gets its own copy.
    """
    from benchmarks import safe_yaml

    try:
        text = read_text(path)
        if text in _PARSED:
            return copy.deepcopy(_PARSED[text])
        raw = safe_yaml.load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from err
    except safe_yaml.YamlTooLarge as err:
        raise ConfigError(f"{path}: not a usable task file: {err}") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot be read: {err}") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values, got {type(raw).__name__}")
    if len(text) <= _PARSED_MAX_CHARS:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[text] = copy.deepcopy(raw)
    return raw


def parse_value(text: str) -> Any:
    """Type a ``k=v`` command-line value the way YAML would (``3`` → int, ``true`` → bool)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_key_values(items: list[str] | None, *, flag: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}``; a malformed item names the flag."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE")
        out[key.strip()] = parse_value(value)
    return out


def load_task(
    source: Path | TaskFile,
    *,
    params_cls: type | None,
    overrides: dict[str, Any] | None = None,
    demo: bool = False,
) -> tuple[TaskConfig, Any]:
    """Parse a task file into a :class:`TaskConfig` and the family's params dataclass.

    Args:
        source: the task YAML's path, or a :class:`TaskFile` already read.
        params_cls: the family's ``Params`` dataclass (``None`` if it has none).
        overrides: ``--task-arg`` values; same key rules as the file.
        demo: no ``--data-root`` was given: unless the task names its own ``data_root``,
            the run is on the bundled demo set and the file's ``demo_overrides`` apply
            (before ``overrides``, which always win).
    """
    if isinstance(source, TaskFile):
        path, raw = source.path, source.raw
    else:
        path, raw = source, read_yaml(source)
    demo_keys = raw.get("demo_overrides") or {}
    if not isinstance(demo_keys, dict):
        raise ConfigError(f"{path}: demo_overrides must be a mapping of keys to values")
    if "demo_overrides" in demo_keys:
        raise ConfigError(f"{path}: demo_overrides cannot override itself")
    if "data_root" in demo_keys:
        raise ConfigError(f"{path}: demo_overrides cannot set data_root (a demo run's "
                          "data is the demo set)")
    own_root = {**raw, **(overrides or {})}.get("data_root") is not None
    raw = {**raw, **(demo_keys if demo and not own_root else {}), **(overrides or {})}
    param_keys = {f.name for f in dataclasses.fields(params_cls)} if params_cls else set()
    unknown = sorted((set(raw) | set(demo_keys)) - COMMON_KEYS - param_keys, key=repr)
    if unknown:
        allowed = ", ".join(sorted(COMMON_KEYS | param_keys))
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (allowed keys: {allowed})")
    for required in ("task", "family", "dataset"):
        if required not in raw:
            raise ConfigError(f"{path}: missing required key {required!r}")
    common = {k: v for k, v in raw.items() if k in COMMON_KEYS}
    params = {k: v for k, v in raw.items() if k in param_keys}
    from benchmarks.typecheck import type_problem

    problem = type_problem(TaskConfig, common) or (
        type_problem(params_cls, params) if params_cls else None
    )
    if problem:
        raise ConfigError(f"{path}: {problem}")
    for key, low in MINIMUM.items():
        if key in common and common[key] < low:
            raise ConfigError(f"{path}: {key}: must be at least {low}, got {common[key]}")
    if common.get("data_root") is not None:  # relative to the task file, as a user reads it
        common["data_root"] = os.path.abspath(
            os.path.join(path.parent, os.path.expanduser(common["data_root"])))
    try:
        config = TaskConfig(**common, source=str(path))
        config.sampling  # noqa: B018  (validates the sampling values)
        family_params = params_cls(**params) if params_cls else None
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{path}: {err}") from err
    return config, family_params


def config_hash(payload: dict[str, Any]) -> str:
    """Stable short hash of a JSON-able mapping (key order does not matter)."""
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
