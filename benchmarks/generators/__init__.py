"""Video generators for gFVD (class-conditional) and text-to-video, in one registry.

Every entry is a factory ``create(context: GeneratorContext, **args) -> VideoGenerator``
(see :mod:`benchmarks.generators.base`) that declares what it conditions on (class, text
or none); ``--generator NAME`` picks one and ``--generator-arg K=V`` passes its
arguments. A class-conditional generator given to a text task, or the reverse, is refused
in one line before the run. Bundled:

- ``ar``: a small class-conditional autoregressive transformer over a tokenizer's codes
  (:mod:`benchmarks.generators.ar`), trained by ``python -m benchmarks.train_generator``;
- ``real-copy``: held-out real clips of the requested class (the floor of a gFVD table);
- ``noise``: uniform noise clips (the ceiling; any task);
- ``ar-text``: ``ar`` conditioned on a caption's MiniLM (or local) text embedding
  (:mod:`benchmarks.generators.ar_text`), trained by ``train_generator --text``;
- ``diffusers-t2v``: a local diffusers text-to-video pipeline folder (``path=``);
- ``checkout``, ``motionaura``, ``open-magvit2-ar``, ``omnigen2``: a text-to-video prior
  from the user's own checkout (``path=``, ``entry=module:callable``); not available
  offline otherwise (:mod:`benchmarks.generators.checkout`).

Third-party packages add generators through the ``benchmarks.generators`` entry-point group.
"""

from __future__ import annotations

from benchmarks.registry import Registry

GENERATORS: Registry = Registry("generator", entry_point_group="benchmarks.generators")

_ADD = GENERATORS.add_lazy
_ADD("ar", "benchmarks.generators.ar:create_ar",
     about="AR transformer over a discrete tokenizer's codes (train_generator; demo: auto)")
_ADD("real-copy", "benchmarks.generators.bounds:create_real_copy",
     about="held-out real clips of the class (the gFVD floor)")
_ADD("noise", "benchmarks.generators.bounds:create_noise",
     about="uniform noise clips (the ceiling)")
_ADD("ar-text", "benchmarks.generators.ar_text:create_ar_text",
     about="AR transformer over a discrete tokenizer's codes, caption via MiniLM "
           "(train_generator --text; demo: auto)")
_ADD("diffusers-t2v", "benchmarks.generators.diffusers_t2v:create_diffusers_t2v",
     about="a local diffusers text-to-video pipeline (path=DIR)")
_ADD("checkout", "benchmarks.generators.checkout:create_checkout",
     about="a prior in your checkout (path=DIR entry=module:callable)")
_ADD("motionaura", "benchmarks.generators.checkout:create_motionaura",
     about="not available offline: MotionAura from your checkout (path=, entry=)")
_ADD("open-magvit2-ar", "benchmarks.generators.checkout:create_open_magvit2_ar",
     about="not available offline: Open-MAGVIT2 T2V AR from your checkout (path=, entry=)")
_ADD("omnigen2", "benchmarks.generators.checkout:create_omnigen2",
     about="not available offline: OmniGen2 from your checkout (path=, entry=)")

__all__ = ["GENERATORS"]
