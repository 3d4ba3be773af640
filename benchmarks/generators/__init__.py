"""Class-conditional video generators for gFVD, in their own registry.

Every entry is a factory ``create(context: GeneratorContext, **args) -> VideoGenerator``
(see :mod:`benchmarks.generators.base`); ``--generator NAME`` picks one and
``--generator-arg K=V`` passes its arguments. Bundled:

- ``ar``: a small class-conditional autoregressive transformer over a tokenizer's codes
  (:mod:`benchmarks.generators.ar`), trained by ``python -m benchmarks.train_generator``;
- ``real-copy``: held-out real clips of the requested class (the floor of a gFVD table);
- ``noise``: uniform noise clips (the ceiling).

Third-party packages add generators through the ``benchmarks.generators`` entry-point group.
"""

from __future__ import annotations

from benchmarks.registry import Registry

GENERATORS: Registry = Registry("generator", entry_point_group="benchmarks.generators")

GENERATORS.add_lazy("ar", "benchmarks.generators.ar:create_ar")
GENERATORS.add_lazy("real-copy", "benchmarks.generators.bounds:create_real_copy")
GENERATORS.add_lazy("noise", "benchmarks.generators.bounds:create_noise")

__all__ = ["GENERATORS"]
