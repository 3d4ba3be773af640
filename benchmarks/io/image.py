"""Image decoding with PIL, as torchvision's ``CocoCaptions`` reads COCO images.

Every mode is converted with ``Image.convert("RGB")``: grayscale is replicated, the alpha
channel of RGBA/LA is dropped (not composited), CMYK and palette images are converted.
EXIF orientation is not applied, matching the official COCO loaders.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from benchmarks.io.video import DecodeError


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode an image file.

    Args:
        path: any format PIL reads (JPEG for COCO).

    Returns:
        ``(h, w, 3)`` uint8 RGB.

    Raises:
        DecodeError: ``"file not found"``, ``"not a file"``, ``"cannot open: ..."``
            (not an image) or ``"truncated or corrupt: ..."`` (header or pixel data fails
            to decode).
    """
    path = str(path)
    if not os.path.exists(path):
        raise DecodeError(path, "file not found")
    if not os.path.isfile(path):
        raise DecodeError(path, "not a file")
    try:
        image = Image.open(path)
    except UnidentifiedImageError as error:  # not an image format PIL knows
        raise DecodeError(path, f"cannot open: {error}") from error
    except OSError as error:  # e.g. a header cut short
        raise DecodeError(path, f"truncated or corrupt: {error}") from error
    with image:
        try:
            # PIL decodes lazily: truncated pixel data only fails here.
            image.load()
            rgb = image.convert("RGB")
        except (OSError, SyntaxError, ValueError) as error:
            raise DecodeError(path, f"truncated or corrupt: {error}") from error
    return np.array(rgb, dtype=np.uint8)  # a writable copy (torch.from_numpy warns otherwise)
