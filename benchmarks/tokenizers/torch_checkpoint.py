"""Reading a pickled PyTorch checkpoint (``torch.save``) without running its pickled code.

Baselines whose libraries save with ``torch.save`` (an Open-MAGVIT2 Lightning ``.ckpt``, a
``magvit2-pytorch`` ``.save()`` file) are read with ``torch.load(weights_only=True)``:
tensors, containers and plain values only. A file that needs anything else is refused with
the globals it names, never unpickled.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch


def resolve_file(path: str | Path, *, what: str) -> Path:
    """``path`` expanded; ``FileNotFoundError`` naming ``what`` unless it is a file."""
    file = Path(path).expanduser()
    if not file.is_file():
        kind = "a folder" if file.is_dir() else "not found"
        raise FileNotFoundError(f"{what} {file}: {kind}; expected a file")
    return file


def load_weights_only(path: Path, *, what: str) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU, with one-line errors.

    Raises:
        ValueError: the file is not a readable checkpoint, or it holds pickled objects
            other than tensors and plain values (named in the message).
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        names = _unsafe_globals(path)
        if names:
            raise ValueError(
                f"{what} {path} holds pickled objects other than tensors ({', '.join(names[:4])}"
                f"{', …' if len(names) > 4 else ''}), which are not loaded; save its tensors "
                "alone (torch.save({'state_dict': ckpt['state_dict']}, file)) and pass that file"
            ) from None
        raise ValueError(f"{what} {path} is not a readable PyTorch checkpoint: "
                         f"{_first_line(err)}") from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, KeyError) as err:
        raise ValueError(f"{what} {path} is not a readable PyTorch checkpoint (corrupt or "
                         f"truncated?): {_first_line(err)}") from None


def _unsafe_globals(path: Path) -> list[str]:
    try:
        return list(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except Exception:  # noqa: BLE001 (an unreadable file: reported as such by the caller)
        return []


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
