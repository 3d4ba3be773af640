"""The weights file of a feature network: where it is looked for, and its identity check.

None of the networks of the distance protocols ship offline: each is a file the user
places (a task argument, an environment variable, or a default folder). A file that is
found is checked before it is loaded; a wrong file stops the run with ONE line naming
the file, the expected and the actual digest (a :class:`WeightsMismatch`, a
``ValueError``: exit 2), never a number from other weights.

Two kinds of pin, whichever is known for the published file:

- ``sha256``: the SHA-256 of the file.
- ``git_blob_sha1``: the id git gives the file's content (SHA-1 of ``"blob <size>\\0"`` +
  bytes: ``git hash-object FILE``), read from a public repository that commits the file
  (its ``git ls-tree`` line, cited in ``source``). It is what could be established here
  without downloading the file; the file's SHA-256 is recorded in every summary.

A file with no pin (``None``) is loaded and its SHA-256 recorded, marked "not pinned".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from benchmarks.features.base import FeatureUnavailable
from benchmarks.io.digests import WeightsMismatch, file_digests

__all__ = ["WeightsFile", "WeightsMismatch", "file_digests", "load_state"]


@dataclass(frozen=True)
class WeightsFile:
    """A feature network's weights file.

    Attributes:
        file_name: its published name (``i3d_torchscript.pt``).
        env_var: environment variable that may hold its path.
        sha256: pinned SHA-256 of the file, if known.
        git_blob_sha1: pinned ``git hash-object`` id of the file, if known.
        source: where the file is published and where the pin was read.
    """

    file_name: str
    env_var: str
    sha256: str | None = None
    git_blob_sha1: str | None = None
    source: str = ""

    def candidate_paths(self, path: str | None = None) -> list[Path]:
        """Where the file is looked for, in order: ``path``, ``$env_var``,
        ``<torch hub dir>/checkpoints/<file_name>``."""
        out = [Path(path).expanduser()] if path else []
        if os.environ.get(self.env_var):
            out.append(Path(os.environ[self.env_var]).expanduser())
        out.append(Path(torch.hub.get_dir()) / "checkpoints" / self.file_name)
        return out

    def found(self, path: str | None = None) -> Path | None:
        """The file a run would load (the first candidate that exists)."""
        return next((p for p in self.candidate_paths(path) if p.is_file()), None)

    def missing_reason(self, path: str | None = None, *, what: str = "") -> str | None:
        """Why the file cannot be loaded (``None`` if one exists)."""
        places = self.candidate_paths(path)
        if any(p.is_file() for p in places):
            return None
        return (f"{what or 'the weights'} {self.file_name!r} is not on this machine. Place it "
                f"at {places[-1]}, or set ${self.env_var}, or pass --task-arg "
                "weights_path=FILE (looked in: " + ", ".join(str(p) for p in places) + ")")

    def checked(self, path: str | None = None, *, what: str) -> tuple[Path, dict[str, Any]]:
        """The file a run loads and its digests, verified.

        Raises:
            FeatureUnavailable: no candidate exists (the message says where to put it).
            WeightsMismatch: the file found is not the pinned one.
        """
        found = self.found(path)
        if found is None:
            raise FeatureUnavailable(self.missing_reason(path, what=what))
        return found, self.verify(found)

    def pin(self) -> dict[str, str | None]:
        return {"sha256": self.sha256, "git_blob_sha1": self.git_blob_sha1}

    def verify(self, path: Path) -> dict[str, Any]:
        """Digests of ``path``; raise :class:`WeightsMismatch` if a pin disagrees.

        Returns:
            ``{"file", "sha256", "git_blob_sha1", "pinned"}`` for the summary.
        """
        digests = file_digests(path)
        for kind in ("sha256", "git_blob_sha1"):
            expected = getattr(self, kind)
            if expected is not None and digests[kind] != expected:
                also = f" (sha256 {digests['sha256']})" if kind != "sha256" else ""
                raise WeightsMismatch(
                    f"{path}: not the {self.file_name} this protocol names: {kind} "
                    f"{digests[kind]}{also}, expected {expected} ({self.source})")
        pinned = [k for k in ("sha256", "git_blob_sha1") if getattr(self, k)]
        return {"file": str(path), **digests,
                "pinned": ", ".join(f"{k} checked" for k in pinned) or "not pinned"}


def load_state(module: torch.nn.Module, state: dict[str, Any], path: Path, what: str) -> None:
    """``module.load_state_dict(state)`` (strict); a file of other keys or shapes is a
    :class:`WeightsMismatch` naming it, in one line."""
    try:
        module.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).strip().splitlines()[0]
        raise WeightsMismatch(f"{path}: not {what}: {first} "
                              f"({len(state)} tensors in the file)") from None
