"""Importing model code from packages that pin old dependencies, installed with ``--no-deps``.

The Open-MAGVIT2 packages (``open-magvit2``, ``OpenImageTokenizer``) and lucidrains'
``magvit2-pytorch`` carry their model classes beside training code: their package
``__init__`` files import data loaders, plotting and trainer modules (albumentations, cv2,
pytorch-warmup, hub download helpers) that inference never touches and that are not
installed. ``import_model_module`` imports one module of such a package with the package
``__init__`` files along the way left unrun (each package becomes an empty module with its
real ``__path__``), so only what the model module itself imports has to be present.

``magvit2-pytorch`` also imports ``torchvision`` at module level, for a VGG perceptual loss
used in training only. The torchvision wheel on PyPI does not load beside a CPU torch 2.13
("operator torchvision::nms does not exist"), so when torchvision does not import, a stub
(``torchvision.models.VGG16_Weights.DEFAULT`` is ``None``) stands in while that one module
is imported and is removed from ``sys.modules`` right after: nothing else in the process
(``lpips`` for one) ever sees it. A working torchvision is used as it is.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


class MissingPackage(ValueError):
    """An optional package a tokenizer needs is not installed (the message says how)."""


def require(modules: Sequence[str], *, tokenizer: str, install: str) -> None:
    """Raise ``MissingPackage`` naming ``install`` unless every module in ``modules`` is found.

    Only looks the modules up (``importlib.util.find_spec``); imports nothing.
    """
    missing = [name for name in modules if _find(name) is None]
    if missing:
        raise MissingPackage(
            f"tokenizer {tokenizer!r} needs {', '.join(missing)} (not installed): {install}"
        )


def _find(name: str) -> importlib.machinery.ModuleSpec | None:
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a parent package that does not import
        return None


# packages without their __init__ ---------------------------------------------------------------


class _HollowLoader(importlib.abc.Loader):
    """Creates a package module with its ``__path__`` and runs none of its code."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name)
        module.__path__ = list(spec.submodule_search_locations or [])
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _HollowPackages(importlib.abc.MetaPathFinder):
    """Finds the packages under ``root`` as hollow modules (plain modules load as usual)."""

    def __init__(self, root: str) -> None:
        self.root = root

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 (importlib's API)
        if fullname != self.root and not fullname.startswith(self.root + "."):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.submodule_search_locations is None:
            return spec  # a module: its own code runs
        hollow = importlib.machinery.ModuleSpec(fullname, _HollowLoader(), is_package=True)
        hollow.submodule_search_locations = spec.submodule_search_locations
        return hollow


def import_model_module(module: str, *, root: str) -> types.ModuleType:
    """Import ``module`` (a dotted name inside the package ``root``) without running the
    ``__init__`` of ``root`` or of any package between them.

    A package already imported (in full, by the user) is used as it is. The libraries'
    own deprecation warnings (``torch.cuda.amp.autocast`` decorators) are silenced for the
    import: they concern code the harness never runs.
    """
    if module in sys.modules:
        return sys.modules[module]
    finder = _HollowPackages(root)
    sys.meta_path.insert(0, finder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return importlib.import_module(module)
    finally:
        sys.meta_path.remove(finder)


# torchvision, only while magvit2-pytorch imports ------------------------------------------------


def _torchvision_imports() -> bool:
    if "torchvision" in sys.modules:
        return True
    try:
        import torchvision  # noqa: F401
    except Exception:  # noqa: BLE001 (any failure: missing, or a build for another torch)
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]  # what a failed import left half-initialised
        return False
    return True


@contextmanager
def torchvision_stub() -> Iterator[bool]:
    """Within the block, ``import torchvision`` gives a stub when the real one does not load.

    Yields whether the stub is in place. On leaving, the stub is removed from
    ``sys.modules`` (modules imported inside keep their reference to it).
    """
    if _torchvision_imports():
        yield False
        return
    stub = types.ModuleType("torchvision")
    models = types.ModuleType("torchvision.models")

    class VGG16_Weights:  # noqa: N801 (torchvision's name)
        DEFAULT = None  # the pretrained VGG is only loaded for the training loss

    def vgg16(*args: object, **kwargs: object) -> None:
        raise RuntimeError(
            "torchvision does not import here: the VGG perceptual loss (training only) "
            "is unavailable; build the tokenizer with perceptual_loss_weight=0"
        )

    models.VGG16_Weights = VGG16_Weights
    models.vgg16 = vgg16
    stub.models = models
    sys.modules["torchvision"], sys.modules["torchvision.models"] = stub, models
    try:
        yield True
    finally:
        for name in ("torchvision", "torchvision.models"):
            if sys.modules.get(name) in (stub, models):
                del sys.modules[name]


def with_torchvision_stub(module: str, *, root: str) -> types.ModuleType:
    """``import_model_module`` with ``torchvision_stub`` in place during the import."""
    if module in sys.modules:
        return sys.modules[module]
    with torchvision_stub():
        return import_model_module(module, root=root)
