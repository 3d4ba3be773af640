"""The projector of Appendix B.2: the tokenizer's multi-scale tokens → Qwen's embeddings.

"We … extract the discrete representations from *all* quantization blocks. These
multi-scale features are projected into the language embedding space and prepended to the
question tokens." Here: each level's features (``tokenizer.features``, ``(b, d, t', h',
w')``) are average-pooled to at most ``grid`` cells (a 224² clip's finest level alone has
tens of thousands of cells), flattened finest level first, given a learned per-level
embedding, and mapped by LayerNorm → Linear → GELU → Linear into the LM's hidden size.

Checkpoint format (a folder, ``python -m benchmarks.vqa_train_projector`` writes it):

- ``projector.json``: :class:`ProjectorConfig` (``format``, ``version``, sizes, ``grid``,
  and what it was trained with: tokenizer, Qwen folder, data root, questions, steps);
- ``projector.safetensors``: ``level_embed`` ``(levels, feature_dim)``, ``norm.*``,
  ``fc1.*``, ``fc2.*`` (float32).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, read_json

FORMAT = "pyratok-vqa-projector"
VERSION = 1


@dataclass(frozen=True)
class ProjectorConfig:
    """Sizes of a :class:`TokenProjector` and its provenance.

    Attributes:
        feature_dim: ``d`` of the tokenizer's features.
        hidden_size: the LM's embedding size.
        levels: the tokenizer's pyramid levels (all are used).
        grid: ``(t, h, w)``: at most this many cells per level (adaptive average pool).
        trained: provenance (tokenizer, qwen_path, data_root, questions, steps, lr …).
    """

    feature_dim: int
    hidden_size: int
    levels: int
    grid: tuple[int, int, int] = (4, 8, 8)
    trained: dict[str, Any] = field(default_factory=dict)
    format: str = FORMAT
    version: int = VERSION


class TokenProjector(nn.Module):
    """Multi-scale tokenizer tokens → LM input embeddings."""

    def __init__(self, config: ProjectorConfig) -> None:
        super().__init__()
        self.config = config
        self.level_embed = nn.Parameter(torch.zeros(config.levels, config.feature_dim))
        self.norm = nn.LayerNorm(config.feature_dim)
        self.fc1 = nn.Linear(config.feature_dim, config.hidden_size)
        self.fc2 = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, levels: list[Tensor]) -> Tensor:
        """``levels[l]``: ``(b, d, t', h', w')`` → ``(b, n, hidden_size)``, finest first."""
        if len(levels) != self.config.levels:
            raise ValueError(f"projector takes {self.config.levels} levels, got {len(levels)}")
        tokens = []
        for level, feats in enumerate(levels):
            t, h, w = (min(g, s) for g, s in zip(self.config.grid, feats.shape[2:], strict=True))
            pooled = F.adaptive_avg_pool3d(feats.float(), (t, h, w))  # (b, d, t, h, w)
            flat = pooled.flatten(2).transpose(1, 2)  # (b, t·h·w, d)
            tokens.append(flat + self.level_embed[level])
        x = self.norm(torch.cat(tokens, dim=1))  # (b, n, d)
        return self.fc2(F.gelu(self.fc1(x)))  # (b, n, hidden)

    # checkpoint -----------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        payload = dataclasses.asdict(self.config)
        (folder / "projector.json").write_text(json.dumps(payload, indent=2) + "\n",
                                               encoding="utf-8")
        state = {k: v.detach().float().contiguous().cpu() for k, v in self.state_dict().items()}
        save_file(state, str(folder / "projector.safetensors"))

    @classmethod
    def load(cls, folder: Path) -> TokenProjector:
        """Read a projector folder; ``ValueError`` naming the file when it is not one."""
        from safetensors.torch import load_file

        path = folder / "projector.json"
        try:
            raw = read_json(path, max_bytes=SMALL_BYTES)
        except JsonFileError as err:
            raise ValueError(f"{path}: not a projector config ({err.reason})") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file")
        if raw.get("version") != VERSION:
            raise ValueError(f"{path}: version {raw.get('version')}, this code reads {VERSION}")
        raw["grid"] = tuple(raw["grid"])
        try:
            config = ProjectorConfig(**raw)
        except TypeError as err:
            raise ValueError(f"{path}: {err}") from err
        module = cls(config)
        try:
            module.load_state_dict(load_file(str(folder / "projector.safetensors")))
        except (OSError, RuntimeError) as err:
            raise ValueError(f"{folder / 'projector.safetensors'}: {err}") from err
        return module


@torch.no_grad()
def tokenizer_levels(tokenizer: Any, video: Tensor) -> list[Tensor]:
    """Every level's valid features of ``video`` ``(b, 3, t, h, w)`` in [-1, 1], from one
    encode: ``[(b, d, t', h', w')]`` finest first."""
    encoded = tokenizer.encode(video)
    n_levels = len(tokenizer.spec.level_strides)
    return [tokenizer.level_features(encoded, level).features for level in range(n_levels)]
