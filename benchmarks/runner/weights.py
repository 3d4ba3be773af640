"""What a run loads from disk besides its data: the files fingerprinted into its hash.

The tokenizer's own ``weight_files()``, every tokenizer argument and every family
parameter that names an existing file or folder (``path=DIR``, ``qwen_path``,
``projector``, ``i3d_path``, a generator's checkpoint …): a checkpoint overwritten in
place then changes the run's config hash, and resuming into the old run folder is refused
(``runner/guard.py``) instead of reporting the old weights' numbers.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.config import ConfigError
from benchmarks.families.base import TaskFamily
from benchmarks.io.fingerprint import FingerprintError, fingerprint
from benchmarks.tokenizers.base import VideoTokenizer

# Argument names that say "a path" even when the value has no slash or suffix.
_PATH_NAMES = ("path", "_dir", "_file", "checkpoint", "projector")


def _named_paths(value: Any, key: str = "") -> Iterator[Path]:
    """Every string under ``value`` (dicts and lists walked) that looks like a path and
    exists: named like one (``*path``, ``*_dir`` …) or written like one (a ``/`` or a
    file suffix). Prompts and names never exist as files, so they stay out."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _named_paths(v, str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _named_paths(v, key)
    elif isinstance(value, str | os.PathLike):
        text = os.fspath(value)
        looks = key.endswith(_PATH_NAMES) or "/" in text or Path(text).suffix
        where = Path(text).expanduser()
        if text.strip() and looks and where.exists():
            yield where


def loaded_files(
    tokenizer: VideoTokenizer,
    tokenizer_args: dict[str, Any],
    params: Any,
    family_cls: type[TaskFamily] | None = None,
) -> list[Path]:
    """The files and folders a run loads: the tokenizer's, its arguments', the family's
    (its path parameters and what it loads from a default place)."""
    fields = dataclasses.asdict(params) if dataclasses.is_dataclass(params) else {}
    family = family_cls.weight_files(params) if family_cls is not None else []
    return [*tokenizer.weight_files(), *_named_paths(tokenizer_args), *_named_paths(fields),
            *family]


def weights_fingerprint(
    tokenizer: VideoTokenizer,
    tokenizer_args: dict[str, Any],
    params: Any,
    family_cls: type[TaskFamily] | None = None,
) -> dict[str, str]:
    """``{file: "<size>:<sha256>"}`` of everything :func:`loaded_files` names (cached)."""
    try:
        return fingerprint(loaded_files(tokenizer, tokenizer_args, params, family_cls))
    except FingerprintError as err:
        raise ConfigError(str(err)) from err


def hashed_form(payload: dict[str, Any]) -> dict[str, Any]:
    """What the config hash covers: the payload with the weights' contents only, not their
    paths, so a checkpoint moved (or the repository checked out elsewhere) with the same
    bytes hashes the same (a path argument still counts as an argument)."""
    if "weights" not in payload:
        return payload
    return {**payload, "weights": sorted(payload["weights"].values())}
