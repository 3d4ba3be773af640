"""A trained quantizer on disk: ``config.json`` and ``model.safetensors``, and what it was
trained on.

``config.json`` holds ``format`` / ``format_version``, the :class:`QuantizerConfig`
(``quantizer``), the base tokenizer it was fitted to (``base``: registry name, arguments,
latent channels, compression and the content fingerprints of its weight files) and the
training provenance (``training``: data, clips, steps, final loss …). The folder is written
into a hidden temporary sibling and renamed into place, so a crash never leaves a
half-written quantizer where a run would load it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from benchmarks.io.fingerprint import fingerprint
from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, dumps, read_json
from benchmarks.tokenizers.base import VideoTokenizer
from benchmarks.tokenizers.vq.quantizer import LatentQuantizer, QuantizerConfig

FORMAT = "pyratok-vq-quantizer"
FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "model.safetensors"
HOW_TO_TRAIN = "python -m benchmarks.train_vq --base NAME --quantizer fsq --output DIR"


@dataclass(frozen=True, kw_only=True)
class BaseRecord:
    """The base tokenizer a quantizer was fitted to.

    Attributes:
        name: registry name (``avgpool``, ``wan2.1`` …).
        args: its tokenizer arguments at training time (``{"path": ...}``).
        latent_channels, spatial_compression, temporal_compression: from its spec.
        weights: sorted ``"<size>:<sha256>"`` of its weight files (contents only, so a
            moved copy of the same weights matches); empty for a weight-free base.
    """

    name: str
    args: dict[str, Any]
    latent_channels: int
    spatial_compression: int
    temporal_compression: int
    weights: tuple[str, ...] = ()

    @classmethod
    def of(cls, name: str, args: dict[str, Any], tokenizer: VideoTokenizer) -> BaseRecord:
        spec = tokenizer.spec
        return cls(name=name, args=dict(args), latent_channels=spec.latent_channels,
                   spatial_compression=spec.spatial_compression,
                   temporal_compression=spec.temporal_compression,
                   weights=tuple(sorted(fingerprint(tokenizer.weight_files()).values())))

    def mismatch(self, loaded: BaseRecord) -> str | None:
        """How ``loaded`` (the base given now) differs from this one, or ``None``."""
        for key in ("latent_channels", "name", "spatial_compression", "temporal_compression"):
            trained, given = getattr(self, key), getattr(loaded, key)
            if trained != given:
                return f"{key} {given!r}, but the quantizer was trained with {trained!r}"
        if self.weights != loaded.weights:
            return "weights that differ from those the quantizer was trained on"
        return None


@dataclass(frozen=True)
class QuantizerFolder:
    """A quantizer folder's ``config.json``, read and checked."""

    path: Path
    config: QuantizerConfig
    base: BaseRecord
    training: dict[str, Any]


def save_quantizer(output: str | os.PathLike[str], quantizer: LatentQuantizer, *,
                   base: BaseRecord, training: dict[str, Any],
                   overwrite: bool = False) -> Path:
    """Write ``quantizer`` to the folder ``output`` atomically; returns the folder.

    Raises:
        ValueError: ``output`` exists and ``overwrite`` is false.
    """
    output = Path(output).expanduser()
    if output.exists() and not overwrite:
        raise ValueError(f"{output} already exists: choose a new folder or replace it "
                         "(--overwrite)")
    output.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{output.name}.writing-", dir=output.parent))
    try:
        tensors = {k: v.detach().cpu().contiguous().clone()
                   for k, v in quantizer.state_dict().items()}
        save_file(tensors, str(building / WEIGHTS))
        record = {"format": FORMAT, "format_version": FORMAT_VERSION,
                  "quantizer": quantizer.config.to_dict(),
                  "base": {**asdict(base), "weights": list(base.weights)},
                  "training": training}
        (building / CONFIG).write_text(dumps(record, indent=1) + "\n", encoding="utf-8")
        building.chmod(0o755)
        _move_into_place(building, output)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return output


def _move_into_place(building: Path, output: Path) -> None:
    if not output.exists():
        os.replace(building, output)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    os.replace(output, old / "previous")
    os.replace(building, output)
    shutil.rmtree(old, ignore_errors=True)


def read_folder(path: str | os.PathLike[str]) -> QuantizerFolder:
    """Read and check ``path/config.json``.

    Raises:
        FileNotFoundError: no such folder or no ``config.json`` in it.
        ValueError: not a quantizer folder, or a field of the wrong kind.
    """
    folder = Path(path).expanduser()
    if not (folder / CONFIG).is_file():
        what = "no such folder" if not folder.is_dir() else f"no {CONFIG} in it"
        raise FileNotFoundError(f"quantizer folder {folder}: {what}; train one with "
                                f"{HOW_TO_TRAIN}")
    try:
        raw = read_json(folder / CONFIG, max_bytes=SMALL_BYTES)
    except JsonFileError as err:
        raise ValueError(str(err)) from err
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError(f"{folder / CONFIG}: not a vq quantizer (format {FORMAT!r} expected); "
                         f"train one with {HOW_TO_TRAIN}")
    if raw.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{folder / CONFIG}: format_version {raw.get('format_version')!r}, "
                         f"this version reads {FORMAT_VERSION}")
    try:
        config = QuantizerConfig(**raw["quantizer"])
        base = BaseRecord(**{**raw["base"], "weights": tuple(raw["base"]["weights"])})
    except (KeyError, TypeError) as err:
        raise ValueError(f"{folder / CONFIG}: malformed quantizer or base entry ({err})") from err
    return QuantizerFolder(folder, config, base, dict(raw.get("training") or {}))


def load_quantizer(path: str | os.PathLike[str]) -> tuple[LatentQuantizer, QuantizerFolder]:
    """The quantizer saved at ``path`` (eval mode) and its folder record.

    Raises:
        FileNotFoundError, ValueError: see :func:`read_folder`; weights that do not fit.
    """
    record = read_folder(path)
    weights = record.path / WEIGHTS
    if not weights.is_file():
        raise FileNotFoundError(f"quantizer folder {record.path}: no {WEIGHTS} in it")
    quantizer = LatentQuantizer(record.config)
    try:  # a damaged file is the library's own error type: any error is "does not fit"
        quantizer.load_state_dict(load_file(str(weights)))
    except Exception as err:
        first = str(err).strip().splitlines()[0]
        raise ValueError(f"{weights}: does not fit {record.config.describe()} ({first})") from err
    return quantizer.eval(), record
