"""The bounds of every gFVD table: ``real-copy`` (floor) and ``noise`` (ceiling).

``real-copy`` returns held-out real clips of the requested class — the other split list
of the same fold (test list for a train reference) — chosen by the seed: the distance a
perfect generator would get, limited only by the sample size. ``noise`` returns i.i.d.
uniform noise in [-1, 1]: what no generator should reach.

Classes are the reader's ``class_id`` (``classInd.txt``'s spelling: ``HandstandPushups``
for the ``v_HandStandPushups`` files), never parsed from a file name. ``real-copy`` needs
held-out clips only of the classes the run asks for
(:attr:`~benchmarks.generators.base.GeneratorContext.requested_classes`), so a partial
download without some classes keeps its floor; a requested class with no held-out clip on
disk is refused in one line.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from benchmarks.datasets.base import SampleError
from benchmarks.generators.base import (
    GeneratedClips,
    GeneratorContext,
    GeneratorError,
    VideoGenerator,
    conditions_on,
)
from benchmarks.tokenizers.base import to_tokenizer_range


class NoiseGenerator(VideoGenerator):
    name = "noise"
    description = "i.i.d. uniform noise in [-1, 1] (the ceiling)"

    def __init__(self, context: GeneratorContext) -> None:
        self.shape = (3, context.num_frames, *context.frame_size)

    def generate(self, class_ids: Sequence[int], seed: Sequence[int]) -> GeneratedClips:
        clips = [torch.rand(self.shape, generator=torch.Generator().manual_seed(int(s)))
                 for s in seed]
        return GeneratedClips(video=to_tokenizer_range(torch.stack(clips)))


class RealCopyGenerator(VideoGenerator):
    name = "real-copy"

    def __init__(self, context: GeneratorContext, *, split: str = "test") -> None:
        if not hasattr(context.dataset, "with_split"):
            raise GeneratorError("real-copy needs a dataset reader with with_split()")
        self.held_out = context.dataset.with_split(split)
        self.num_frames = context.num_frames
        self.by_class: dict[int, list] = {}
        for ref in sorted(self.held_out.refs(), key=lambda r: r.sample_id):
            self.by_class.setdefault(int(ref.annotation.class_id), []).append(ref)
        wanted = (range(len(context.classes)) if context.requested_classes is None
                  else context.requested_classes)
        missing = [context.classes[c] for c in wanted if c not in self.by_class]
        if missing:
            raise GeneratorError(
                f"real-copy: no held-out clip of class {missing[0]!r} on disk "
                f"({getattr(self.held_out, 'list_path', split)}; "
                f"{len(missing)} class(es) without one); it cannot be the floor for them")
        self.description = f"held-out real clips ({split} list of the same fold; the floor)"

    def generate(self, class_ids: Sequence[int], seed: Sequence[int]) -> GeneratedClips:
        clips = []
        for c, s in zip(class_ids, seed, strict=True):
            refs = self.by_class[int(c)]
            ref = refs[int(s) % len(refs)]
            try:
                video = self.held_out.load(ref, num_frames=self.num_frames).video
            except SampleError as err:
                raise GeneratorError(f"real-copy: {err}") from err
            clips.append(to_tokenizer_range(video))
        return GeneratedClips(video=torch.stack(clips))


@conditions_on("none")
def create_noise(context: GeneratorContext) -> NoiseGenerator:
    return NoiseGenerator(context)


@conditions_on("class")
def create_real_copy(context: GeneratorContext, *, split: str = "test") -> RealCopyGenerator:
    return RealCopyGenerator(context, split=split)
