"""The constructor arguments inside a ``magvit2-pytorch`` ``VideoTokenizer.save`` file.

``VideoTokenizer.save`` stores ``pickle.dumps`` of its ``__init__`` arguments under
``"config"`` (magvit2-pytorch 0.5.1, ``magvit2_pytorch.py``), and the library's
``init_and_load_from`` unpickles it as it is, which would run whatever the file names.
Here it is unpickled with an allow-list instead: plain values, ``collections.OrderedDict``,
``torch.nn`` layers (``lfq_activation`` is an ``nn.Module``, ``nn.Identity()`` by default)
and the tensors inside them (read back with ``weights_only=True``). ``torchvision``
references (the ``vgg_weights`` enum of the training-only perceptual loss) become ``None``.
Anything else is refused, naming the global.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import torch
from torch import nn

_PLAIN = {
    ("builtins", name) for name in ("set", "frozenset", "slice", "complex", "bytearray", "range")
} | {("collections", "OrderedDict"), ("torch", "Size")}
_TENSOR_REBUILDERS = {
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch.nn.parameter", "Parameter"),
}


class ConfigRefused(ValueError):
    """The pickled config names a global outside the allow-list."""


def _storage_from_bytes(data: bytes) -> Any:
    # what torch pickles a storage as (torch.storage._load_from_bytes), without its
    # weights_only=False
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


def _none(*args: object, **kwargs: object) -> None:
    return None


class _AllowListUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _PLAIN | _TENSOR_REBUILDERS:
            return super().find_class(module, name)
        if (module, name) == ("torch.storage", "_load_from_bytes"):
            return _storage_from_bytes
        if module == "torchvision" or module.startswith("torchvision."):
            return _none
        if module.startswith("torch.nn.modules."):
            found = super().find_class(module, name)
            if isinstance(found, type) and issubclass(found, nn.Module):
                return found
        raise ConfigRefused(f"{module}.{name}")


def unpickle_config(data: bytes) -> dict[str, Any]:
    """The ``VideoTokenizer`` keyword arguments pickled in a ``.save`` file's ``config``.

    Raises:
        ValueError: not a pickled mapping, or it names a global outside the allow-list
            (``ConfigRefused``, whose message is that global).
    """
    try:
        config = _AllowListUnpickler(io.BytesIO(data)).load()
    except ConfigRefused:
        raise
    except Exception as err:  # noqa: BLE001 (any unpickling failure: a corrupt config)
        raise ValueError(f"unreadable pickled config ({type(err).__name__}: {err})") from None
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise ValueError(f"the pickled config is not a mapping of arguments ({type(config)})")
    return config
