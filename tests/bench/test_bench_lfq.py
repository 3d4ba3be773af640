"""LFQ entropy terms: forward + backward at the finest level of a training batch.

Run with ``python -m pytest tests/bench/test_bench_lfq.py --benchmark-enable``. The tokens
are those of one batch of the bundled checkpoint's training (4 clips, 9 frames at 64×64 →
level 1 has 5 × 16 × 16 = 1,280 tokens per clip, d = 16). "groups" is the sum of the two
8-bit groups' entropies; "pairs" is the exact joint entropy over all 2^16 codes through the
(256, 256) table of `LFQ.pair_groups`. Without ``--benchmark-enable`` each case runs once,
as a test that the loss is finite and has a gradient.
"""

from __future__ import annotations

import pytest
import torch

from pyratok.lfq import LFQ

pytestmark = pytest.mark.benchmark(group="lfq entropy 4x1280x16, fwd+bwd")


@pytest.mark.parametrize("pair_groups", [False, True], ids=["groups", "pairs"])
def test_entropy_forward_backward(benchmark, pair_groups: bool) -> None:
    torch.manual_seed(0)
    lfq = LFQ(dim=16, group_bits=8, pair_groups=pair_groups)
    z = torch.randn(4, 1280, 16, requires_grad=True)

    def step() -> torch.Tensor:
        z.grad = None
        out = lfq(z, generator=torch.Generator().manual_seed(0))
        out.entropy_loss.backward()
        return out.entropy_loss.detach()

    loss = benchmark(step)
    assert torch.isfinite(loss) and z.grad is not None
