"""When a run decodes in worker processes and when in its prefetch thread."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from benchmarks.runner.execute import MIN_SAMPLES_FOR_WORKERS, decode_workers

LONG = MIN_SAMPLES_FOR_WORKERS


def _ctx(device: str, *, flag: int | None = None, task_args: dict | None = None):
    opts = SimpleNamespace(num_workers=flag, task_args=task_args or {})
    return SimpleNamespace(opts=opts, device=torch.device(device))


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_a_short_run_decodes_in_its_thread(device):
    assert decode_workers(_ctx(device, flag=2), 2, LONG - 1) == 0


def test_a_long_run_on_an_accelerator_uses_the_task_files_workers():
    assert decode_workers(_ctx("meta"), 2, LONG) == 2


def test_a_long_cpu_run_uses_workers_only_when_asked():
    assert decode_workers(_ctx("cpu"), 2, LONG) == 0
    assert decode_workers(_ctx("cpu", flag=2), 2, LONG) == 2
    assert decode_workers(_ctx("cpu", task_args={"num_workers": 3}), 3, LONG) == 3
