"""YouTube-VIS / OVIS readers on tiny files in the official layout, and ``score``'s errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from benchmarks.cli import main
from benchmarks.datasets.base import DatasetError
from benchmarks.datasets.ytvis.annotations import parse_annotations
from benchmarks.datasets.ytvis.reader import OVISDataset, YouTubeVISDataset
from benchmarks.io.sampling import FrameSampling

H, W, T = 12, 16, 3


def _mask(y0, y1, x0, x1):
    m = np.zeros((H, W), dtype=np.uint8)
    m[y0:y1, x0:x1] = 1
    return m


def _string_rle(m):
    rle = mask_utils.encode(np.asfortranarray(m))
    return {"size": [H, W], "counts": rle["counts"].decode("ascii")}


def _list_rle(m):
    """Uncompressed RLE: run lengths in column-major order, starting with zeros."""
    flat = m.flatten(order="F")
    counts, value, run = [], 0, 0
    for v in flat:
        if v == value:
            run += 1
        else:
            counts.append(run)
            value, run = v, 1
    counts.append(run)
    return {"size": [H, W], "counts": counts}


def official(tmp: Path, *, layout: str = "ytvis") -> Path:
    frames = tmp / ("train/JPEGImages" if layout == "ytvis" else "train")
    videos = []
    for vid, name in ((1, "a1b2"), (2, "c3d4")):
        (frames / name).mkdir(parents=True)
        names = []
        for f in range(T):
            names.append(f"{name}/{f:05d}.jpg")
            Image.fromarray(np.full((H, W, 3), 40 * f, np.uint8)).save(frames / names[-1])
        videos.append({"id": vid, "file_names": names, "width": W, "height": H, "length": T,
                       "license": 1, "flickr_url": "", "coco_url": "",
                       "date_captured": ""})
    poly = [[2.0, 2.0, 8.0, 2.0, 8.0, 8.0, 2.0, 8.0]]
    annotations = [
        {"id": 1, "video_id": 1, "category_id": 1, "iscrowd": 0, "height": H, "width": W,
         "length": 1, "segmentations": [_string_rle(_mask(0, 4, 0, 4)),
                                        _list_rle(_mask(1, 5, 1, 5)), None],
         "bboxes": [[0, 0, 4, 4], [1, 1, 4, 4], None], "areas": [16, 16, None]},
        {"id": 2, "video_id": 2, "category_id": 2, "iscrowd": 0, "height": H, "width": W,
         "length": 1, "segmentations": [poly, None, poly],
         "bboxes": [None] * T, "areas": [36.0, None, 36.0]},
    ]
    data = {"info": {}, "licenses": [], "videos": videos, "annotations": annotations,
            "categories": [{"supercategory": "animal", "id": 1, "name": "person"},
                           {"supercategory": "animal", "id": 2, "name": "giant_panda"}]}
    ann = tmp / ("train/instances.json" if layout == "ytvis" else "annotations_train.json")
    ann.write_text(json.dumps(data))
    return ann


SAMPLING = FrameSampling(resize_shorter=None, crop=None)


@pytest.mark.parametrize("layout", ["ytvis", "ovis"])
def test_reader_on_the_official_layout(tmp_path, layout):
    official(tmp_path, layout=layout)
    cls = YouTubeVISDataset if layout == "ytvis" else OVISDataset
    ds = cls(tmp_path, sampling=SAMPLING)
    refs = ds.refs()
    assert [r.sample_id for r in refs] == ["1", "2"] and ds.bad_rows() == []
    info = ds.info()
    assert info.classes == ("person", "giant_panda") and info.category_ids == (1, 2)
    assert info.to_dict()["extra"]["category_ids"] == [1, 2]  # as the summary records it
    assert refs[0].annotation.video_id == 1
    track = refs[0].annotation.tracks[0]
    decoded = [mask_utils.decode(s) if s else None for s in track["segmentations"]]
    np.testing.assert_array_equal(decoded[0], _mask(0, 4, 0, 4))
    np.testing.assert_array_equal(decoded[1], _mask(1, 5, 1, 5))  # list counts
    assert decoded[2] is None
    poly = refs[1].annotation.tracks[0]["segmentations"]
    assert poly[1] is None and mask_utils.area(poly[0]) > 30  # polygon rasterised
    sample = ds.load(refs[0])
    assert tuple(sample.video.shape) == (3, T, H, W)
    assert float(sample.video[:, 2].mean()) == pytest.approx(80 / 255, abs=0.02)


def test_holdout_subset_is_seeded_and_resize_never_crops(tmp_path):
    official(tmp_path)
    a = YouTubeVISDataset(tmp_path, sampling=SAMPLING, holdout_videos=1, holdout_seed=3)
    b = YouTubeVISDataset(tmp_path, sampling=SAMPLING, holdout_videos=1, holdout_seed=3)
    assert [r.sample_id for r in a.refs()] == [r.sample_id for r in b.refs()]
    assert len(a.refs()) == 1 and a.info().coverage.holdout_seed == 3
    assert list(a.info().to_dict()["extra"])[-4:] == [
        "n_videos_in_file", "ground_truth", "holdout_videos", "holdout_seed"]
    with pytest.raises(ValueError, match="never cropped"):
        YouTubeVISDataset(tmp_path, sampling=FrameSampling(resize_shorter=8, crop=8))
    resized = YouTubeVISDataset(tmp_path, sampling=FrameSampling(resize_shorter=6, crop=None))
    assert tuple(resized.load(resized.refs()[0]).video.shape[2:]) == (6, 8)


def test_missing_frames_and_malformed_files(tmp_path):
    ann = official(tmp_path)
    (tmp_path / "train/JPEGImages/a1b2/00001.jpg").unlink()
    ds = YouTubeVISDataset(tmp_path, sampling=SAMPLING)
    with pytest.raises(Exception, match="00001.jpg"):
        ds.load(ds.refs()[0])
    data = json.loads(ann.read_text())
    data["annotations"][0]["segmentations"].pop()
    ann.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match="annotations\\[0\\].*one mask per frame"):
        YouTubeVISDataset(tmp_path, sampling=SAMPLING).refs()


def test_rle_of_the_wrong_size_is_refused():
    data = {"videos": [{"id": 1, "file_names": ["v/0.jpg"], "height": H, "width": W}],
            "categories": [{"id": 1, "name": "x"}],
            "annotations": [{"video_id": 1, "category_id": 1, "segmentations": [
                {"size": [H + 1, W], "counts": "abc"}]}]}
    with pytest.raises(ValueError, match="RLE size"):
        parse_annotations(data)


def _results(ann: Path) -> list[dict]:
    data = json.loads(ann.read_text())
    return [{"video_id": a["video_id"], "category_id": a["category_id"], "score": 0.9,
             "segmentations": a["segmentations"]} for a in data["annotations"]]


def test_score_cli_perfect_results(tmp_path, capsys):
    ann = official(tmp_path)
    pred = tmp_path / "results.json"
    pred.write_text(json.dumps(_results(ann)))
    assert main(["score", "--task", "ytvis2021", "--annotations", str(ann),
                 "--predictions", str(pred), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "J"} <= set(result)
    assert result["AP"] == pytest.approx(100) and result["J"] == pytest.approx(100)


@pytest.mark.parametrize("change, message", [
    (lambda r: "not json", "not valid JSON"),
    (lambda r: [{**r[0], "segmentations": r[0]["segmentations"][:-1]}], "3 frames"),
    (lambda r: [{**r[0], "video_id": 99}], "unknown video_id 99"),
    (lambda r: [{**r[0], "category_id": 7}], "unknown category_id 7"),
    (lambda r: [{k: v for k, v in r[0].items() if k != "score"}], "missing score"),
    (lambda r: {"results": r}, "expected a list"),
])
def test_score_cli_errors_exit_2_with_one_line(tmp_path, capsys, change, message):
    ann = official(tmp_path)
    pred = tmp_path / "results.json"
    changed = change(_results(ann))
    pred.write_text(changed if isinstance(changed, str) else json.dumps(changed))
    assert main(["score", "--task", "ovis", "--annotations", str(ann),
                 "--predictions", str(pred), "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "results.json" in err
