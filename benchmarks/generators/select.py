"""Choosing and building a run's generator: what the ``generation`` (class) and ``t2v``
(text) families share — the planning check, the run-name suffix, the factory call."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from benchmarks.generators.base import (
    GeneratorContext,
    GeneratorError,
    VideoGenerator,
    conditioning,
    conditioning_error,
)


def generator_problem(generator: str, features: str, *, wanted: str, family: str) -> str | None:
    """Why a run of ``family`` (clips conditioned on ``wanted``) cannot use ``generator``
    with the Fréchet extractor ``features``, in one line; ``None`` when it can."""
    from benchmarks.features import FEATURE_EXTRACTORS
    from benchmarks.generators import GENERATORS

    if not generator:
        fits = [n for n in GENERATORS.names()
                if conditioning(GENERATORS.get(n)) in (wanted, "none")]
        return f"no generator: pass --generator NAME (one of: {', '.join(fits)})"
    for registry, name in ((GENERATORS, generator), (FEATURE_EXTRACTORS, features)):
        if name not in registry:
            try:
                registry.get(name)
            except KeyError as err:
                return str(err)
    return conditioning_error(generator, GENERATORS.get(generator), wanted, family,
                              GENERATORS.names())


def run_suffix(generator: str, generator_args: dict[str, Any] | None) -> str:
    """``+NAME`` and, with arguments, ``-<hash of them, 8 hex>`` (the default run name's tail)."""
    from benchmarks.config import config_hash

    args = generator_args or {}
    return f"+{generator}" + (f"-{config_hash(args)[:8]}" if args else "")


def cache_dir() -> Path:
    """Where generators cache trained weights: ``$PYRATOK_CACHE`` or ``~/.cache/pyratok``."""
    base = os.environ.get("PYRATOK_CACHE") or Path.home() / ".cache" / "pyratok"
    return Path(base).expanduser()


def create_generator(name: str, args: dict[str, Any] | None,
                     context: GeneratorContext) -> VideoGenerator:
    """The registry's ``name`` built for ``context``; a bad argument or a missing
    checkpoint is a one-line :class:`~benchmarks.config.ConfigError`."""
    from benchmarks.config import ConfigError
    from benchmarks.generators import GENERATORS

    try:
        return GENERATORS.get(name)(context, **(args or {}))
    except (GeneratorError, TypeError) as err:
        raise ConfigError(f"generator {name!r}: {err}") from err
