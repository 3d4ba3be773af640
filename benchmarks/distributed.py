"""torchrun support: process-group set-up, sharding and small collectives.

``torchrun --nproc-per-node N -m benchmarks run ...`` sets ``RANK``/``WORLD_SIZE``; each
rank scores ``sorted_samples[rank::world_size]`` and the metric states are summed across
ranks, so the summary equals a single-process run's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup(device: str | None) -> tuple[DistInfo, torch.device]:
    """Join the process group torchrun prepared (if any) and pick this rank's device."""
    info = DistInfo(
        rank=int(os.environ.get("RANK", 0)),
        world_size=int(os.environ.get("WORLD_SIZE", 1)),
        local_rank=int(os.environ.get("LOCAL_RANK", 0)),
    )
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"--device {device!r}: not a device (use cpu, cuda, cuda:1 ...)") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"--device {device}: this torch ({torch.__version__}) sees no CUDA GPU; "
            "use --device cpu, or install a CUDA build of torch"
        )
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device("cuda", info.local_rank)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)  # nccl collectives run on the current device
    if info.enabled and not dist.is_initialized():
        backend = "nccl" if dev.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    return info, dev


def _collective_device() -> torch.device:
    """Where collective tensors must live: the rank's GPU under nccl, else the CPU."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_reduce_sum(value: int, info: DistInfo) -> int:
    if not info.enabled:
        return value
    t = torch.tensor([value], dtype=torch.int64, device=_collective_device())
    dist.all_reduce(t)
    return int(t.item())


def any_true(flag: bool, info: DistInfo) -> bool:
    return all_reduce_sum(int(flag), info) > 0


def all_gather_objects(obj: Any, info: DistInfo) -> list[Any]:
    """Every rank's ``obj`` (picklable), in rank order; ``[obj]`` without torchrun."""
    if not info.enabled:
        return [obj]
    out: list[Any] = [None] * info.world_size
    dist.all_gather_object(out, obj)  # uses the backend's device (nccl: current GPU)
    return out


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()
