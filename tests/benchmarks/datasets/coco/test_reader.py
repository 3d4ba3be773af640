"""COCO Captions reader on tiny data in the official layout, and image decoding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from benchmarks.datasets.base import Dataset, DatasetError, SampleError
from benchmarks.datasets.coco.reader import CocoCaptionsDataset
from benchmarks.io.image import read_image
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import DecodeError
from tests.helpers.datasets import moving_frames, write_coco

SMALL = FrameSampling(resize_shorter=32, crop=32)


def _write_json(root: Path, payload: dict) -> Path:
    path = root / "annotations" / "captions_val2017.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))
    return path


def _touch(root: Path, *image_ids: int) -> None:
    """Empty files where the images belong: listing only checks that they exist."""
    (root / "val2017").mkdir(parents=True, exist_ok=True)
    for image_id in image_ids:
        (root / "val2017" / f"{image_id:012d}.jpg").touch()


def _image(image_id: int, file_name: str | None = None) -> dict:
    name = f"{image_id:012d}.jpg" if file_name is None else file_name
    return {"id": image_id, "file_name": name, "height": 40, "width": 56, "license": 1}


# listing


def test_lists_images_by_id_with_their_first_caption(tmp_path: Path):
    write_coco(tmp_path, n=3)
    dataset = CocoCaptionsDataset(tmp_path, sampling=SMALL)
    assert isinstance(dataset, Dataset)
    refs = dataset.refs()
    assert [r.sample_id for r in refs] == ["139", "140", "141"]
    assert refs[0].path == str(tmp_path / "val2017" / "000000000139.jpg")
    assert refs[0].caption == "picture 0"
    assert refs[0].extra == {"file_name": "000000000139.jpg", "height": 40, "width": 56}
    assert dataset.bad_rows() == []


def test_first_caption_is_the_lowest_annotation_id(tmp_path: Path):
    payload = {
        "images": [_image(7), _image(3), _image(5)],
        "annotations": [
            {"id": 30, "image_id": 7, "caption": "third"},
            {"id": 10, "image_id": 7, "caption": " first \n"},
            {"id": 20, "image_id": 7, "caption": "second"},
            {"id": 11, "image_id": 3, "caption": "only one"},
        ],
    }
    _write_json(tmp_path, payload)
    _touch(tmp_path, 3, 5, 7)
    refs = CocoCaptionsDataset(tmp_path, sampling=SMALL).refs()
    assert [(r.sample_id, r.caption) for r in refs] == [
        ("3", "only one"),
        ("5", None),
        ("7", "first"),
    ]


def test_malformed_entries_are_bad_rows(tmp_path: Path):
    payload = {
        "images": [_image(1), {"id": 2}, _image(1), {"file_name": "x.jpg"}, _image(4, " ")],
        "annotations": [
            {"id": 1, "image_id": 1, "caption": "ok"},
            {"id": 2, "image_id": 99, "caption": "orphan"},
            {"id": 3, "image_id": 1},
            {"id": 4, "image_id": 2, "caption": "its image had no file_name"},
        ],
    }
    path = _write_json(tmp_path, payload)
    _touch(tmp_path, 1)
    dataset = CocoCaptionsDataset(tmp_path, sampling=SMALL)
    assert [r.sample_id for r in dataset.refs()] == ["1"] and dataset.absent() == []
    bad = {e.sample_id: e.reason for e in dataset.bad_rows()}
    assert bad == {
        "images[1]": "image 2 has no file_name",
        "images[2]": "duplicate image id 1",
        "images[3]": "image without an integer id: {'file_name': 'x.jpg'}",
        "images[4]": "image 4 has no file_name",
        "annotations[1]": "caption for unlisted image id 99",
        "annotations[2]": "annotation without image_id or caption: {'id': 3, 'image_id': 1}",
        "annotations[3]": "caption for unlisted image id 2",
    }
    assert {e.path for e in dataset.bad_rows()} == {str(path)}


def test_missing_or_malformed_json(tmp_path: Path):
    with pytest.raises(DatasetError, match="COCO root folder not found"):
        CocoCaptionsDataset(tmp_path / "absent", sampling=SMALL)
    with pytest.raises(DatasetError) as info:
        CocoCaptionsDataset(tmp_path, sampling=SMALL)
    assert info.value.path == str(tmp_path / "annotations" / "captions_val2017.json")
    assert info.value.reason == "COCO captions file not found"
    _write_json(tmp_path, {"images": [], "info": {}})
    with pytest.raises(DatasetError, match="missing list 'annotations'; found keys images, info"):
        CocoCaptionsDataset(tmp_path, sampling=SMALL).refs()
    (tmp_path / "annotations" / "captions_val2017.json").write_text("{not json")
    with pytest.raises(DatasetError, match="captions_val2017.json: not valid JSON"):
        CocoCaptionsDataset(tmp_path, sampling=SMALL).refs()


# loading


def test_load_gives_a_one_frame_clip(tmp_path: Path):
    write_coco(tmp_path, n=1, size=(40, 56))
    dataset = CocoCaptionsDataset(tmp_path, sampling=FrameSampling(resize_shorter=32, crop=None))
    sample = dataset.load(dataset.refs()[0], num_frames=17)  # images ignore num_frames
    assert sample.video.shape == (3, 1, 32, 44) and sample.video.dtype == torch.float32
    assert sample.video.min() >= 0 and sample.video.max() <= 1


def test_missing_and_truncated_images_fail_at_load(tmp_path: Path):
    write_coco(tmp_path, n=2)
    dataset = CocoCaptionsDataset(tmp_path, sampling=SMALL)
    missing, truncated = dataset.refs()
    Path(missing.path).unlink()
    data = Path(truncated.path).read_bytes()
    Path(truncated.path).write_bytes(data[: len(data) // 2])
    with pytest.raises(SampleError) as info:
        dataset.load(missing)
    assert (info.value.sample_id, info.value.reason) == ("139", "file not found")
    with pytest.raises(SampleError, match=r"000000000140.jpg: truncated or corrupt: "):
        dataset.load(truncated)


# image decoding


@pytest.fixture()
def rgb() -> np.ndarray:
    return moving_frames(7, frames=1, height=12, width=10)[0]


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "CMYK", "P", "I;16"])
def test_read_image_converts_every_mode_to_rgb(tmp_path: Path, rgb: np.ndarray, mode: str):
    image = Image.fromarray(rgb).convert(mode)
    path = tmp_path / f"image.{'tiff' if mode in ('CMYK', 'I;16') else 'png'}"
    image.save(path)
    pixels = read_image(path)
    assert pixels.shape == (12, 10, 3) and pixels.dtype == np.uint8 and pixels.flags.writeable
    np.testing.assert_array_equal(pixels, np.asarray(Image.open(path).convert("RGB")))
    if mode in ("RGB", "RGBA"):  # lossless, alpha dropped
        np.testing.assert_array_equal(pixels, rgb)
    if mode == "L":  # gray replicated to the three channels
        assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()


def test_read_image_errors(tmp_path: Path, rgb: np.ndarray):
    with pytest.raises(DecodeError, match="absent.jpg: file not found"):
        read_image(tmp_path / "absent.jpg")
    (tmp_path / "text.jpg").write_text("not an image")
    with pytest.raises(DecodeError, match="text.jpg: cannot open: "):
        read_image(tmp_path / "text.jpg")
    Image.fromarray(rgb).save(tmp_path / "whole.jpg", quality=95)
    data = (tmp_path / "whole.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(DecodeError, match="cut.jpg: truncated or corrupt: "):
        read_image(tmp_path / "cut.jpg")  # header cut: fails in Image.open


def test_read_image_truncated_pixel_data(tmp_path: Path):
    # The header is intact, so Image.open succeeds and the error only comes from load().
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)
    Image.fromarray(noise).save(tmp_path / "whole.jpg", quality=95)
    data = (tmp_path / "whole.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: int(len(data) * 0.8)])
    Image.open(tmp_path / "cut.jpg")  # lazy: no error yet
    with pytest.raises(DecodeError, match="cut.jpg: truncated or corrupt: image file is trunc"):
        read_image(tmp_path / "cut.jpg")
