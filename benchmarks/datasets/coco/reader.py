"""COCO Captions (Chen et al., 2015) in the official layout, as one-frame clips.

Layout (the official ``val2017.zip`` and ``annotations_trainval2017.zip`` unpacked)::

    <root>/annotations/captions_val2017.json
    <root>/val2017/<file_name>                 e.g. 000000000139.jpg

The JSON holds ``images`` (``{id, file_name, height, width, ...}``) and ``annotations``
(``{id, image_id, caption}``, about five per image). One sample per image, in increasing
image id as torchvision's ``CocoCaptions`` orders them; its caption is the one with the
lowest annotation id (whitespace stripped), ``None`` if the image has none.

Entries that cannot be used are reported by :meth:`CocoCaptionsDataset.bad_rows` with ids
``images[<i>]`` / ``annotations[<i>]`` (0-based position in the JSON list): an image
without an integer ``id`` or a ``file_name``, a repeated image id, an annotation without
``image_id``/``caption`` or pointing to an image id that is not listed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from benchmarks.datasets.base import DatasetError, DatasetInfo, Sample, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import Index, IndexedDataset
from benchmarks.datasets.media import load_image_clip
from benchmarks.io.jsonfile import JsonFileError, read_json
from benchmarks.io.sampling import FrameSampling


class CocoCaptionsDataset(IndexedDataset):
    """COCO images with their first caption, each a ``(3, 1, H, W)`` clip.

    Args:
        root: folder with ``annotations/`` and the image folder.
        sampling: spatial preprocessing (its frame settings do not apply to images).
        split: ``"val2017"`` (``annotations/captions_<split>.json`` and ``<split>/``).
    """

    name = "coco"
    annotation = None  # captions only (SampleRef.caption)
    demo = DemoSet(1, "benchmarks.datasets.coco.demo:build", "photos from skimage.data")

    def __init__(
        self, root: str | os.PathLike[str], *, sampling: FrameSampling, split: str = "val2017"
    ) -> None:
        self.root = Path(root)
        self.sampling = sampling
        self.split = split
        if not self.root.is_dir():
            raise DatasetError(self.root, "COCO root folder not found")
        self.annotation_path = self.root / "annotations" / f"captions_{split}.json"
        if not self.annotation_path.is_file():
            raise DatasetError(self.annotation_path, "COCO captions file not found")
        self._parsed: Index | None = None

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Decode the image: ``video`` ``(3, 1, H, W)`` float32 in [0, 1].

        ``num_frames`` is ignored: an image is always a one-frame clip.

        Raises:
            SampleError: missing, corrupt or too small image.
        """
        return load_image_clip(ref, self.sampling)

    def info(self) -> DatasetInfo:
        """Split without its year (``"val"`` for ``val2017``, which is kept in
        ``extra["coco_split"]``) and the captions file; no classes. ``version`` is ``None``
        (``"demo-v1"`` on the demo set)."""
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            split=re.sub(r"\d{4}$", "", self.split),
            annotation_file=str(self.annotation_path),
            version=demo_version(self.root),
            extra={"coco_split": self.split},
        )

    def _parse(self) -> Index:
        """Images on disk (``refs``, in increasing id), entries that could not be used
        (``malformed``, ids ``images[i]`` / ``annotations[i]``), listed images not in the
        image folder (``missing``)."""
        if self._parsed is None:
            refs, bad = _parse_captions(self.annotation_path, self.root / self.split)
            self._parsed = Index.on_disk(refs, bad)
        return self._parsed


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = read_json(path)
    except JsonFileError as error:
        raise DatasetError(path, error.reason) from None
    if not isinstance(data, dict):
        raise DatasetError(path, f"expected a JSON object, got {type(data).__name__}")
    for key in ("images", "annotations"):
        if not isinstance(data.get(key), list):
            found = ", ".join(sorted(data)) or "nothing"
            raise DatasetError(path, f"missing list {key!r}; found keys {found}")
    return data


def _parse_captions(path: Path, images: Path) -> tuple[list[SampleRef], list[SampleError]]:
    data = _load_json(path)
    bad: list[SampleError] = []

    entries: dict[int, dict[str, Any]] = {}
    for i, image in enumerate(data["images"]):
        row_id = f"images[{i}]"
        image_id = image.get("id") if isinstance(image, dict) else None
        file_name = image.get("file_name") if isinstance(image, dict) else None
        if not isinstance(image_id, int) or isinstance(image_id, bool):
            bad.append(SampleError(row_id, path, f"image without an integer id: {image!r:.80}"))
        elif not isinstance(file_name, str) or not file_name.strip():
            bad.append(SampleError(row_id, path, f"image {image_id} has no file_name"))
        elif image_id in entries:
            bad.append(SampleError(row_id, path, f"duplicate image id {image_id}"))
        else:
            entries[image_id] = image

    captions: dict[int, tuple[tuple[int, int], str]] = {}  # image id -> (annotation id, caption)
    for i, annotation in enumerate(data["annotations"]):
        row_id = f"annotations[{i}]"
        fields = annotation if isinstance(annotation, dict) else {}
        image_id, caption = fields.get("image_id"), fields.get("caption")
        if not isinstance(image_id, int) or not isinstance(caption, str):
            reason = f"annotation without image_id or caption: {annotation!r:.80}"
            bad.append(SampleError(row_id, path, reason))
        elif image_id not in entries:
            bad.append(SampleError(row_id, path, f"caption for unlisted image id {image_id}"))
        else:
            key = _sort_key(fields.get("id"), i)
            if image_id not in captions or key < captions[image_id][0]:
                captions[image_id] = (key, caption.strip())

    refs = [
        SampleRef(
            sample_id=str(image_id),
            path=str(images / entries[image_id]["file_name"]),
            caption=captions[image_id][1] if image_id in captions else None,
            extra={
                "file_name": entries[image_id]["file_name"],
                "height": entries[image_id].get("height"),
                "width": entries[image_id].get("width"),
            },
        )
        for image_id in sorted(entries)
    ]
    return refs, bad


def _sort_key(annotation_id: Any, position: int) -> tuple[int, int]:
    """Order captions by annotation id; entries without one come after, in file order."""
    if isinstance(annotation_id, int):
        return (0, annotation_id)
    return (1, position)
