"""The COCO demo set: 8 photos in the COCO Captions val2017 layout, built offline.

The photos come from ``skimage.data`` (inside the scikit-image wheel); two captions each,
written by hand after looking at the images. A smoke test, not a benchmark (see
:mod:`benchmarks.datasets.demo`, which builds it on first use into ``coco-v1``).

Layout: ``annotations/captions_val2017.json`` + ``val2017/<12-digit id>.jpg`` (JPEG
quality 95); two of the photos are grayscale. The images carry the licences listed in
``skimage.data``'s documentation.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from benchmarks.datasets.coco.reader import CocoCaptionsDataset

# skimage.data function name -> two captions (COCO style).
PHOTOS: dict[str, tuple[str, str]] = {
    "astronaut": (
        "An astronaut in an orange flight suit smiles in front of an American flag.",
        "A woman in an orange space suit with a white helmet next to a model space shuttle.",
    ),
    "chelsea": (
        "A close up of a tabby cat with green eyes looking at the camera.",
        "The face of a striped brown cat with long white whiskers.",
    ),
    "coffee": (
        "A cup of espresso on a red saucer with a spoon on a wooden table.",
        "A red coffee cup and saucer sitting on a wooden surface.",
    ),
    "rocket": (
        "A rocket standing on a launch pad between tall towers at dusk.",
        "Bright lights shine around a rocket and its launch towers under an evening sky.",
    ),
    "camera": (
        "A black and white photo of a man in a dark coat using a camera on a tripod.",
        "A man looks into a camera mounted on a tripod on a grassy field.",
    ),
    "coins": (
        "Four rows of old coins laid out on a dark background.",
        "A black and white photo of many ancient coins in a grid.",
    ),
    "immunohistochemistry": (
        "A microscope image of a tissue sample stained brown and blue.",
        "Brown stained cells forming rounded glands in a slice of tissue.",
    ),
    "hubble_deep_field": (
        "Countless small galaxies scattered across a black sky.",
        "A deep space photograph full of tiny colorful galaxies.",
    ),
}


def build(root: Path) -> None:
    """Write the COCO demo set into the empty folder ``root``."""
    import skimage.data

    (root / "val2017").mkdir(parents=True)
    (root / "annotations").mkdir(parents=True)
    images, annotations = [], []
    for k, (name, captions) in enumerate(PHOTOS.items()):
        image_id = 1000 + k
        file_name = f"{image_id:012d}.jpg"
        pixels = getattr(skimage.data, name)()  # (h, w, 3) or (h, w) uint8
        Image.fromarray(pixels).save(root / "val2017" / file_name, quality=95)
        height, width = pixels.shape[:2]
        images.append(
            {
                "license": 1,
                "file_name": file_name,
                "coco_url": f"file://demo/skimage.data/{name}",
                "height": height,
                "width": width,
                "date_captured": "2024-01-01 00:00:00",
                "flickr_url": "",
                "id": image_id,
            }
        )
        for j, caption in enumerate(captions):
            annotations.append({"image_id": image_id, "id": 100 * image_id + j, "caption": caption})
    payload = {
        "info": {
            "description": "PyraTok demo set in the COCO captions format (skimage.data images)",
            "version": str(CocoCaptionsDataset.demo.version),
            "year": 2024,
        },
        "licenses": [{"id": 1, "name": "see skimage.data documentation", "url": ""}],
        "images": images,
        "annotations": annotations,
    }
    path = root / "annotations" / "captions_val2017.json"
    path.write_text(json.dumps(payload, indent=1), encoding="utf-8")
