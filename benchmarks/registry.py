"""One generic registry for tokenizers and task families.

Follows lm-evaluation-harness's ``api/registry.py`` and timm's ``register_model``:

- ``@REGISTRY.register("name")`` registers an object under a snake_case name;
- ``REGISTRY.add_lazy("name", "module:attr")`` registers an import path that is resolved
  only when the entry is first used, so start-up imports nothing heavy;
- a duplicate name is an error, an unknown name says "did you mean ...";
- third-party packages add entries through an entry-point group named after the harness
  (``benchmarks.tokenizers``, ``benchmarks.families`` … see ``PLUGIN_GROUPS``), read on
  first lookup.
"""

from __future__ import annotations

import difflib
import importlib
import re
import warnings
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")

# Every entry-point group the harness reads, with what an entry names. The README's plug-in
# section documents the same list (tests/benchmarks/test_plugin_groups.py keeps the two in step).
PLUGIN_GROUPS: dict[str, str] = {
    "benchmarks.tokenizers": "a tokenizer factory (**kwargs) -> VideoTokenizer",
    "benchmarks.tasks": "a package whose folder holds task YAML files",
    "benchmarks.families": "a TaskFamily subclass",
    "benchmarks.datasets": "a Dataset reader class (the name task YAMLs give as dataset)",
    "benchmarks.generators": "a generator factory for generation tasks",
    "benchmarks.features": "a feature extractor factory (rFVD, gFVD)",
    "benchmarks.answerers": "a VQA answerer factory",
}

# The groups were named ``pyratok.*`` up to release 0.1 (``pyratok.tasks`` held task
# families). A package may still register there: read for one more release, with a
# DeprecationWarning naming the new group. Drop this table in the release after.
LEGACY_GROUPS: dict[str, str] = {
    "benchmarks.tokenizers": "pyratok.tokenizers",
    "benchmarks.families": "pyratok.tasks",
    "benchmarks.datasets": "pyratok.datasets",
    "benchmarks.generators": "pyratok.generators",
    "benchmarks.features": "pyratok.features",
    "benchmarks.answerers": "pyratok.answerers",
}


class RegistryError(KeyError):
    """Unknown or duplicate registry name. ``str()`` gives the plain message."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _resolve(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ValueError(f"lazy entry {path!r} must read 'package.module:attribute'")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def plugin_entry_points(group: str) -> list[EntryPoint]:
    """The installed entry points of ``group``, then those of its deprecated ``pyratok.*``
    name (each package that still uses it gets a DeprecationWarning naming ``group``)."""
    found = list(entry_points(group=group))
    legacy = LEGACY_GROUPS.get(group)
    if legacy is None:
        return found
    old = list(entry_points(group=legacy))
    for ep in old:
        dist = getattr(ep, "dist", None)
        package = f"package {dist.name!r}" if dist is not None else "a package"
        warnings.warn(
            f"{package} registers {ep.name!r} ({ep.value}) under the entry-point group "
            f"{legacy!r}, which is deprecated and read for one more release only; "
            f"register it under {group!r} instead",
            DeprecationWarning,
            stacklevel=2,
        )
    return found + old


class Registry(Generic[T]):
    """A name → object map with lazy entries and entry-point plug-ins.

    Args:
        kind: what the entries are, used in messages ("tokenizer", "task family").
        entry_point_group: the importlib.metadata group third-party packages use (one of
            ``PLUGIN_GROUPS``; its ``pyratok.*`` name in ``LEGACY_GROUPS`` is read too).
    """

    def __init__(self, kind: str, *, entry_point_group: str | None = None) -> None:
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._entries: dict[str, T | str] = {}
        self._plugins_loaded = entry_point_group is None
        self._plugin_names: set[str] = set()
        self._about: dict[str, str] = {}

    # registration -----------------------------------------------------------------

    def _check_new(self, name: str) -> None:
        if not _NAME_RE.match(name):
            raise ValueError(
                f"{self.kind} name {name!r} must be lower-case letters, digits, '_', '-' or '.'"
            )
        if name in self._entries:
            raise RegistryError(f"{self.kind} {name!r} is already registered")

    def register(self, name: str | None = None, *, about: str = "") -> Callable[[T], T]:
        """Decorator: register the decorated object under ``name`` (default: its __name__);
        ``about`` is the one line ``list`` shows beside it."""

        def decorator(obj: T) -> T:
            key = name or getattr(obj, "__name__", None)
            if key is None:
                raise ValueError(f"cannot infer a {self.kind} name for {obj!r}; pass one")
            self._check_new(key)
            self._entries[key] = obj
            self._about[key] = about
            return obj

        return decorator

    def add_lazy(self, name: str, path: str, *, about: str = "") -> None:
        """Register ``"module:attr"``, imported only when ``name`` is first looked up;
        ``about`` is the one line ``list`` shows beside it (for a tokenizer: its kind and
        geometry), known without importing anything."""
        self._check_new(name)
        self._entries[name] = path
        self._about[name] = about

    # lookup -----------------------------------------------------------------------

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in plugin_entry_points(self.entry_point_group or ""):
            if ep.name in self._entries:
                raise RegistryError(
                    f"plug-in {ep.value!r} registers {self.kind} {ep.name!r}, "
                    "which is already registered"
                )
            self._entries[ep.name] = ep.value
            dist = getattr(ep, "dist", None)
            self._about[ep.name] = f"plug-in ({dist.name if dist is not None else ep.value})"
            self._plugin_names.add(ep.name)

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        return name in self._entries

    def get(self, name: str) -> T:
        self._load_plugins()
        if name not in self._entries:
            close = difflib.get_close_matches(name, self._entries, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            known = ", ".join(sorted(self._entries)) or "none"
            raise RegistryError(f"unknown {self.kind} {name!r}{hint} (known: {known})")
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = _resolve(entry)
            self._entries[name] = entry
        return entry  # type: ignore[return-value]

    def about(self, name: str) -> str:
        """The line registered with ``name`` (``""`` when none was given, as for a plug-in)."""
        self._load_plugins()
        return self._about.get(name, "")

    def is_plugin(self, name: str) -> bool:
        """Whether ``name`` came from an installed package's entry point (not built in)."""
        self._load_plugins()
        return name in self._plugin_names

    def is_loaded(self, name: str) -> bool:
        """Whether ``name`` has been imported (False for a lazy entry not yet used)."""
        return not isinstance(self._entries.get(name), str)
