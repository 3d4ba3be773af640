"""Codebook utilization vs input resolution (the paper's Fig. 29, App. C.4) at demo scale.

The paper measures the percentage of active codewords as the input grows from 240p to
4320p. Here: the bundled demo checkpoint (trained on 64×64 procedural clips) encodes the
same held-out procedural clips (seeds >= 10,000,000, never seen in training) rendered at
several sizes; utilization = distinct indices used / vocabulary size, per pyramid level
and over all levels, pooled over the clips. A larger input has more tokens, so part of
the rise is just more draws from the codebook: the token counts are recorded beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.io.jsonfile import dumps

HELD_OUT_SEED = 10_000_000  # pyratok.demo: the bundled checkpoint trained on lower seeds
DEFAULT_SIZES = (32, 64, 128, 256)


@dataclass(frozen=True)
class UtilizationPoint:
    size: int  # h = w of the input frames, pixels
    tokens: int  # indices drawn, all levels, all clips
    utilization: float  # distinct indices / vocabulary, all levels pooled, in [0, 1]
    per_level: list[float]  # the same per pyramid level (level 1 = finest)


def measure(
    sizes: tuple[int, ...] = DEFAULT_SIZES, *, clips: int = 4, frames: int = 9,
    checkpoint: str | Path | None = None,
) -> tuple[list[UtilizationPoint], int]:
    """Utilization of the checkpoint's codebook at each size; returns (points, vocab size)."""
    import torch

    from benchmarks.tokenizers import TOKENIZERS
    from pyratok.demo import frames_to_tensor, make_video  # the demo clips' generator

    tokenizer = TOKENIZERS.get("pyratok")(path=str(checkpoint) if checkpoint else None,
                                          device="cpu")
    tokenizer.eval()
    vocab = int(tokenizer.spec.vocab_size)

    def utilization(indices: torch.Tensor) -> float:  # distinct codewords / vocabulary
        return int(indices.unique().numel()) / vocab

    points = []
    for size in sizes:
        per_level: list[list[torch.Tensor]] = []
        for i in range(clips):
            video = make_video(HELD_OUT_SEED + i, frames=frames, size=size)
            x = frames_to_tensor(video.frames)[None]  # (1, 3, t, h, w) in [-1, 1]
            with torch.no_grad():
                indices = tokenizer.encode(x, None).indices  # one (1, t', h', w') per level
            for lvl, level in enumerate(indices):
                if len(per_level) <= lvl:
                    per_level.append([])
                per_level[lvl].append(level.reshape(-1))
        flat = [torch.cat(parts) for parts in per_level]
        pooled = torch.cat(flat)
        points.append(UtilizationPoint(
            size=size,
            tokens=int(pooled.numel()),
            utilization=utilization(pooled),
            per_level=[utilization(f) for f in flat],
        ))
    return points, vocab


def plot(points: list[UtilizationPoint], vocab: int, path: Path) -> None:
    """Utilization (%) against input size, one line per level and the pooled one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [p.size for p in points]
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(sizes, [100 * p.utilization for p in points], "o-", lw=2, label="all levels")
    for lvl in range(len(points[0].per_level)):
        ax.plot(sizes, [100 * p.per_level[lvl] for p in points], ".--", lw=1,
                label=f"level {lvl + 1}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [f"{s}²" for s in sizes])
    ax.set_xlabel("input size (pixels; the demo checkpoint trained at 64²)")
    ax.set_ylabel(f"codewords used (% of {vocab})")
    ax.set_title("Codebook utilization vs resolution (demo scale; cf. Fig. 29)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write(out: Path, sizes: tuple[int, ...] = DEFAULT_SIZES, *, clips: int = 4) -> Path:
    """``out/utilization.png`` and ``out/utilization.json``; returns the PNG's path."""
    points, vocab = measure(sizes, clips=clips)
    out.mkdir(parents=True, exist_ok=True)
    png = out / "utilization.png"
    plot(points, vocab, png)
    (out / "utilization.json").write_text(dumps(
        {"vocab_size": vocab, "clips": clips, "demo": True,
         "points": [asdict(p) for p in points]}, indent=2) + "\n")
    return png
