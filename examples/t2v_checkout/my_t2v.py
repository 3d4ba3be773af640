"""Template: your text-to-video prior as a ``checkout`` / ``motionaura`` / ``open-magvit2-ar``
/ ``omnigen2`` generator of the harness (see ``benchmarks/generators/checkout.py``).

Run it::

    python -m benchmarks run --task t2v-webvid --tokenizer pyratok \\
        --generator motionaura --generator-arg path=examples/t2v_checkout \\
        --generator-arg entry=my_t2v:generate --generator-arg mode=codes

Replace the bodies below with calls into your checkout (load your weights once, e.g. in a
module-level cache keyed by ``checkpoint``). This template draws random clips so that the
plumbing can be checked offline; its numbers mean nothing.
"""

from __future__ import annotations

import torch

from benchmarks.generators.base import GeneratedClips


def generate(captions: list[str], seeds: list[int], *, num_frames: int,
             frame_size: tuple[int, int], device: torch.device, tokenizer,
             mode: str = "pixels", checkpoint: str | None = None):
    """One clip per ``(captions[i], seeds[i])``; clip i depends on those two alone.

    Returns pixels ``(b, 3, t, h, w)`` in [-1, 1] (``mode=pixels``: your model's own VAE,
    the "✗ PyraTok" side), or the tokenizer's codes (``mode=codes``: decoded by the
    tokenizer under test, the "✓ PyraTok" side) with the tokenizer's level grids.
    """
    if mode == "pixels":
        clips = [torch.rand(3, num_frames, *frame_size, generator=torch.Generator().manual_seed(s))
                 for s in seeds]
        return torch.stack(clips).to(device) * 2 - 1
    # codes: learn the level grids from one encoded blank clip (your prior knows them)
    blank = torch.zeros(1, 3, num_frames, *frame_size, device=device)
    grids = [tuple(i.shape[1:]) for i in tokenizer.encode(blank).indices]
    vocab = int(tokenizer.spec.vocab_size)
    indices = [torch.stack([torch.randint(vocab, grid, generator=torch.Generator().manual_seed(s))
                            for s in seeds]).to(device) for grid in grids]
    return GeneratedClips(indices=indices, num_frames=num_frames, frame_size=frame_size)
