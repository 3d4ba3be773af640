"""A linear map from clip embeddings to text embeddings, for tokenizers without text.

``--task-arg probe=linear`` on a zero-shot classification task: the clip embeddings of
``per_class`` training videos per class are mapped onto the (MiniLM) text embeddings of
their class prompts by ridge regression with a bias, solved in closed form in float64
(no optimiser, no randomness beyond the fixed choice of training videos: the first
``per_class`` of each class by sorted id). Classes are then ranked by cosine between the
mapped clip embedding and the class text embeddings, as in the zero-shot path. The result
is a *trained* probe: summaries say ``zero_shot: false``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class LinearProbe:
    """``x (n, d) → normalize([x, 1] @ weight)``, weight ``(d + 1, e)`` float64."""

    weight: Tensor

    def __call__(self, embeddings: Tensor) -> Tensor:
        x = embeddings.to(torch.float64)
        x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
        return F.normalize(x @ self.weight.to(x.device), dim=-1).to(embeddings.dtype)


def fit_ridge(inputs: Tensor, targets: Tensor, *, ridge: float) -> LinearProbe:
    """Least squares ``min ||[X, 1] W − Y||² + ridge ||W||²`` (the bias is not penalised).

    Args:
        inputs: ``(n, d)`` clip embeddings.
        targets: ``(n, e)`` the text embedding of each clip's class.
        ridge: the L2 penalty (> 0 keeps the system well posed when n < d).
    """
    if ridge <= 0:
        raise ValueError(f"ridge must be > 0, got {ridge}")
    x = inputs.to(torch.float64)
    x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)  # (n, d + 1)
    penalty = torch.eye(x.shape[1], dtype=torch.float64) * ridge
    penalty[-1, -1] = 0.0
    weight = torch.linalg.solve(x.T @ x + penalty, x.T @ targets.to(torch.float64))
    return LinearProbe(weight=weight)
