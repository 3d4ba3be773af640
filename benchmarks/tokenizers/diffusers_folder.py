"""Reading a diffusers model folder: checks with clear errors, safetensors-only loading.

A folder is what ``save_pretrained`` writes: ``config.json`` (with ``_class_name``) and
``diffusion_pytorch_model.safetensors`` (or a sharded ``.safetensors.index.json``). Pickled
``diffusion_pytorch_model.bin`` weights are never loaded.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, read_json

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"
SHARDED_INDEX_NAME = "diffusion_pytorch_model.safetensors.index.json"
PICKLE_WEIGHTS_NAME = "diffusion_pytorch_model.bin"
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def parse_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """``"float32" | "bfloat16" | "float16"`` (or a ``torch.dtype``) → ``torch.dtype``."""
    if isinstance(dtype, torch.dtype):
        if dtype in DTYPES.values():
            return dtype
    elif dtype in DTYPES:
        return DTYPES[dtype]
    raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")


# checks --------------------------------------------------------------------------------------


def check_vae_folder(
    path: str | Path, *, class_name: str, subfolders: tuple[str, ...] = ("vae",)
) -> Path:
    """Check that ``path`` is a diffusers folder of ``class_name`` with safetensors weights.

    ``subfolders``: where a pipeline repository keeps such a model (``vae/``; ``vqvae/`` or
    ``movq/`` for a ``VQModel``), named in the errors.

    Returns:
        The expanded folder path.

    Raises:
        FileNotFoundError: no folder, no ``config.json`` or no safetensors weights.
        ValueError: unreadable ``config.json`` or a different ``_class_name``.
    """
    folder = Path(path).expanduser()
    where = " or ".join(f"{name}/" for name in subfolders)
    expected = (
        f"a diffusers {class_name} folder with {CONFIG_NAME} and {WEIGHTS_NAME} "
        f"(for a pipeline repository, its {where} sub-folder)"
    )
    if not folder.is_dir():
        raise FileNotFoundError(f"VAE folder {folder} does not exist; expected {expected}")
    config_path = folder / CONFIG_NAME
    if not config_path.is_file():
        hint = next((f"; did you mean {folder / name}?" for name in subfolders
                     if (folder / name / CONFIG_NAME).is_file()), "")
        raise FileNotFoundError(f"{config_path} not found; expected {expected}{hint}")
    try:
        config = read_json(config_path, max_bytes=SMALL_BYTES)
    except JsonFileError as err:
        raise ValueError(f"{config_path} is not valid JSON ({err.reason}); expected "
                         f"{expected}") from None
    found = config.get("_class_name")
    if found != class_name:
        raise ValueError(
            f"{config_path}: _class_name is {found!r}, expected {class_name!r}; "
            f"the folder {folder} is not {expected}"
        )
    if not ((folder / WEIGHTS_NAME).is_file() or (folder / SHARDED_INDEX_NAME).is_file()):
        hint = ""
        if (folder / PICKLE_WEIGHTS_NAME).is_file():
            hint = (
                f" ({PICKLE_WEIGHTS_NAME} is there, but pickled weights are not loaded; "
                "convert it to safetensors)"
            )
        raise FileNotFoundError(
            f"no {WEIGHTS_NAME} (or {SHARDED_INDEX_NAME}) in {folder}{hint}; expected {expected}"
        )
    return folder


def load_diffusers_vae(folder: Path, *, class_name: str, dtype: torch.dtype) -> nn.Module:
    """``<class_name>.from_pretrained(folder)`` from safetensors only, in eval mode."""
    import diffusers

    cls = getattr(diffusers, class_name)
    vae = cls.from_pretrained(
        str(folder), use_safetensors=True, torch_dtype=dtype, local_files_only=True
    )
    return vae.eval()
