"""Base class for metrics whose states are float64 scalars summed across ranks."""

from __future__ import annotations

import torch
from torch import Tensor
from torchmetrics import Metric


class SummableMetric(Metric):
    """A ``Metric`` whose states, named in ``state_names``, are float64 scalar sums.

    Subclasses compute a dict of increments in a functional ``_update`` and pass it to
    ``_add``; ``dist_reduce_fx="sum"`` makes distributed sync (and merging) a plain sum.
    """

    is_differentiable = False
    full_state_update = False
    state_names: tuple[str, ...] = ()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for name in self.state_names:
            self.add_state(name, torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")

    def _add(self, increments: dict[str, Tensor]) -> None:
        for name, value in increments.items():
            state = getattr(self, name)
            setattr(self, name, state + value.to(state.device, torch.float64))
