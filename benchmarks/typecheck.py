"""Type checks of YAML / command-line values against a dataclass's annotations.

YAML types values loosely (``true`` is a bool, ``2.7`` a float, ``abc`` a string); a
dataclass accepts anything. This closes the gap: every key is checked against its field's
annotation before the dataclass is built, so ``frames_per_clip: true`` or ``2.7`` is an
error naming the key, not a 1-frame or a crashing run. A bool is never an int; an int is
a float; a YAML list fits a ``tuple[...]`` field.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path, PurePath
from typing import Any, Literal


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin is Literal:
        return " or ".join(repr(a) for a in typing.get_args(annotation))
    if annotation is type(None):
        return "null"
    args = typing.get_args(annotation)
    if origin is tuple and args and args[-1] is not Ellipsis:  # a fixed length
        return f"list [{', '.join(_type_name(a) for a in args)}]"
    if origin in (tuple, list) and args:
        return f"list of {_type_name(args[0])}"
    if origin is not None:
        return getattr(origin, "__name__", str(origin)) if origin is not tuple else "list"
    return getattr(annotation, "__name__", str(annotation))


def fits(annotation: Any, value: Any) -> bool:
    """Whether ``value`` is of ``annotation`` (a small subset of typing, what configs use)."""
    if annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(fits(a, value) for a in args)
    if origin is Literal:
        return value in args
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation is Path:  # a path read from a file is its text
        return isinstance(value, str | PurePath)
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            return False
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return all(fits(args[0], v) for v in value)
        if origin is tuple and args:
            if len(args) != len(value):
                return False
            return all(fits(a, v) for a, v in zip(args, value, strict=True))
        return not args or all(fits(args[0], v) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            return False
        return not args or all(fits(args[0], k) and fits(args[1], v) for k, v in value.items())
    if annotation is dict:
        return isinstance(value, dict)
    return True  # an annotation this checker does not know: the dataclass decides


def type_problem(cls: type, values: dict[str, Any]) -> str | None:
    """``"key: expected int, got float 2.7"`` for the first value that does not fit."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key, value in values.items():
        if key in names and key in hints and not fits(hints[key], value):
            return (f"{key}: expected {_type_name(hints[key])}, got "
                    f"{type(value).__name__} {value!r}")
    return None
