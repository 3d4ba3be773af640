"""The two LPIPS trunks: torchvision's AlexNet and VGG-16 ``features``, where lpips taps them,
and the ImageNet checkpoint each loads.

As the ``lpips`` package v0.1.4 builds them (``lpips/pretrained_networks.py``: ``alexnet``
and ``vgg16`` slice ``tv.<net>(pretrained=True).features``; the channels are
``lpips.LPIPS.chns``): each tap is the output of the last module of a slice, always a ReLU.

- ``alex``: slices ``[0:2] [2:5] [5:8] [8:10] [10:12]`` → relu1..relu5, channels
  64, 192, 384, 256, 256; checkpoint ``alexnet-owt-7be5be79.pth``.
- ``vgg``: slices ``[0:4] [4:9] [9:16] [16:23] [23:30]`` → relu1_2, relu2_2, relu3_3,
  relu4_3, relu5_3, channels 64, 128, 256, 512, 512; checkpoint ``vgg16-397923af.pth``.

The checkpoints are torchvision's ``IMAGENET1K_V1`` weights (``DEFAULT`` for both, what
``pretrained=True`` loads). torchvision names each ``<name>-<first 8 hex digits of the
file's SHA-256>.pth`` and ``torch.hub`` checks that prefix on download
(``torch.hub.HASH_REGEX``). :attr:`Trunk.sha256` is the whole published digest, checked
before loading; it starts with those digits (a test checks it). The digests, with the file
sizes, are the ones projects that verify these downloads pin, e.g. ``alexnet-owt-7be5be79``:
``7be5be79…cdee02`` (244,408,911 bytes), ``vgg16-397923af``: ``397923af…7a5bf0``
(553,433,881 bytes), as Hugging Face file pages of copies of them show too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from torch import nn

TORCHVISION_MODELS = "https://download.pytorch.org/models"


@dataclass(frozen=True)
class Trunk:
    """One LPIPS trunk.

    Attributes:
        net: lpips' name for it (``lpips.LPIPS(net=...)``).
        title: how messages name the network.
        checkpoint: torchvision's file name, looked for in ``<torch hub>/checkpoints/``.
        sha256: the file's SHA-256 (it starts with the hex digits of the file name).
        taps: indices in ``features`` of the ReLUs whose outputs are compared.
        channels: channels of each tap (the linear layers' inputs).
        build: the ``features`` module, indexed as torchvision's.
        torchvision_call: what downloads the file on a machine with internet access.
    """

    net: str
    title: str
    checkpoint: str
    sha256: str
    taps: tuple[int, ...]
    channels: tuple[int, ...]
    build: Callable[[], nn.Sequential]
    torchvision_call: str

    @property
    def url(self) -> str:
        return f"{TORCHVISION_MODELS}/{self.checkpoint}"

    @property
    def linear_weights(self) -> Path:
        """The five 1×1 convolutions' file inside the lpips package."""
        return Path("weights", "v0.1", f"{self.net}.pth")


def alexnet_features() -> nn.Sequential:
    """AlexNet's convolutional trunk, indexed exactly as torchvision's ``alexnet().features``.

    Same module indices, so the checkpoint's ``features.N.weight``/``features.N.bias`` load.
    """
    return nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),  # 0
        nn.ReLU(inplace=True),  # 1: relu1
        nn.MaxPool2d(kernel_size=3, stride=2),  # 2
        nn.Conv2d(64, 192, kernel_size=5, padding=2),  # 3
        nn.ReLU(inplace=True),  # 4: relu2
        nn.MaxPool2d(kernel_size=3, stride=2),  # 5
        nn.Conv2d(192, 384, kernel_size=3, padding=1),  # 6
        nn.ReLU(inplace=True),  # 7: relu3
        nn.Conv2d(384, 256, kernel_size=3, padding=1),  # 8
        nn.ReLU(inplace=True),  # 9: relu4
        nn.Conv2d(256, 256, kernel_size=3, padding=1),  # 10
        nn.ReLU(inplace=True),  # 11: relu5
        nn.MaxPool2d(kernel_size=3, stride=2),  # 12: unused by LPIPS
    )


# torchvision's vgg16 (configuration "D"): 3×3 convolutions (padding 1), each followed by a
# ReLU; "M" a 2×2 max pool of stride 2.
_VGG16_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                 512, 512, 512, "M")


def vgg16_features() -> nn.Sequential:
    """VGG-16's convolutional trunk, indexed exactly as torchvision's ``vgg16().features``
    (convolutions at 0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28; the last pool, 30,
    is unused by LPIPS)."""
    layers: list[nn.Module] = []
    channels = 3
    for entry in _VGG16_CONFIG:
        if entry == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, int(entry), kernel_size=3, padding=1),
                       nn.ReLU(inplace=True)]
            channels = int(entry)
    return nn.Sequential(*layers)


ALEXNET = Trunk(
    net="alex", title="AlexNet", checkpoint="alexnet-owt-7be5be79.pth",
    sha256="7be5be791159472b1fbf3c69796f7cb30dca7ad8466c2df70058c37116cdee02",
    taps=(1, 4, 7, 9, 11), channels=(64, 192, 384, 256, 256),
    build=alexnet_features,
    torchvision_call="torchvision.models.alexnet(weights='DEFAULT')",
)
VGG16 = Trunk(
    net="vgg", title="VGG-16", checkpoint="vgg16-397923af.pth",
    sha256="397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0",
    taps=(3, 8, 15, 22, 29), channels=(64, 128, 256, 512, 512),
    build=vgg16_features,
    torchvision_call="torchvision.models.vgg16(weights='DEFAULT')",
)
# Looked up when a model is built (a test may swap an entry for its fake file's digest).
TRUNKS: dict[str, Trunk] = {t.net: t for t in (ALEXNET, VGG16)}


def trunk(net: str) -> Trunk:
    """The trunk lpips calls ``net``; another name is a ``ValueError`` naming the choices."""
    if net not in TRUNKS:
        raise ValueError(f"LPIPS trunk {net!r}: expected one of {sorted(TRUNKS)}")
    return TRUNKS[net]
