"""``--tokenizer-arg`` values checked against the factory's signature, before it runs.

A typo gets "did you mean"; a missing required argument (``path=`` of a pretrained VAE)
names itself and how to pass it; a value of the wrong kind names the expected type.
"""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable
from typing import Any

from benchmarks.typecheck import fits


def required_arguments(factory: Callable[..., Any]) -> list[str]:
    """Keyword arguments the factory cannot do without (``["path"]`` for ``wan2.1``)."""
    return [
        p.name for p in inspect.signature(factory).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def check_arguments(name: str, factory: Callable[..., Any], args: dict[str, Any]) -> str | None:
    """Why ``args`` do not fit ``factory`` (``None``: they do)."""
    try:
        signature = inspect.signature(factory)
        hints = typing.get_type_hints(factory)
    except (TypeError, ValueError, NameError):
        return None  # a plug-in we cannot inspect: let it speak for itself
    params = signature.parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return None
    known = [p for p in params if params[p].kind != inspect.Parameter.VAR_POSITIONAL]
    for key in args:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            takes = ", ".join(known) or "no arguments"
            return f"tokenizer {name!r} has no argument {key!r}{hint} (it takes: {takes})"
    for key in required_arguments(factory):
        if key not in args:
            return f"tokenizer {name!r} needs {key}=...: pass --tokenizer-arg {key}=VALUE"
    for key, value in args.items():
        annotation = hints.get(key, params[key].annotation)
        if annotation is not inspect.Parameter.empty and not fits(annotation, value):
            shown = getattr(annotation, "__name__", None) or str(annotation)
            return (f"tokenizer {name!r}: argument {key}={value!r} should be {shown}, "
                    f"got {type(value).__name__}")
    return None
