"""UCF-101 as released (tests/fixtures/official/ucf101.py): the reader and ``ucf101-gfvd``.

The copy has the release's quirks — class 37's rows ``HandstandPushups/v_HandStandPushups_
gXX_cYY.avi``, CRLF in every split file, a ``classInd.txt`` keeping the release's numbers —
and, with ``partial=True``, a class folder and a clip missing. Every clip of a class has the
same frames, so the ``real-copy`` generator reproduces the reference feature for feature:
its Fréchet distance is 0 by hand, and a lost or mislabelled class makes it positive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.datasets.base import DatasetError
from benchmarks.datasets.ucf101.reader import UCF101Dataset
from benchmarks.io.sampling import FrameSampling
from tests.fixtures.official.ucf101 import Expected, build
from tests.helpers.paths import REPO

SAMPLING = FrameSampling(frames_per_clip=17, resize_shorter=None, crop=None)
LISTS = "ucfTrainTestlist"


def _reader(root: Path, split: str = "train") -> UCF101Dataset:
    return UCF101Dataset(root, sampling=SAMPLING, split=split, fold=1)


def _listed(ids: dict[str, tuple[str, ...]], expected: Expected) -> list[str]:
    return [i for c in expected.class_index for i in ids.get(c, ())]


# the reader -----------------------------------------------------------------------


def test_release_layout_crlf_and_handstand_pushups(tmp_path: Path) -> None:
    expected = build(tmp_path / "ucf")
    for path in (tmp_path / "ucf" / LISTS).iterdir():  # CRLF on every line, as released
        data = path.read_bytes()
        assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n"), path
    train = _reader(expected.root)
    refs = train.refs()
    assert [r.sample_id for r in refs] == _listed(expected.train1, expected)
    assert train.bad_rows() == [] and train.absent() == []
    quirky = [r for r in refs if r.sample_id.startswith("v_HandStandPushups_")]
    assert len(quirky) == 5  # g08 c01, g15 c01, g25 c01-c03: groups 8-25 train split 1
    # a group's clips are one cluster (one source), the same group of another class not
    assert sorted({r.cluster for r in quirky}) == ["HandstandPushups/g08",
                                                   "HandstandPushups/g15",
                                                   "HandstandPushups/g25"]
    assert all(r.cluster == f"{r.annotation.label}/g{r.extra['group']:02d}" for r in refs)
    for ref in quirky:
        assert ref.annotation.label == "HandstandPushups"  # classInd.txt's spelling
        assert train.classes[ref.annotation.class_id] == "HandstandPushups"
        assert Path(ref.path).is_file() and Path(ref.path).parent.name == "HandstandPushups"
    info = train.info()
    assert info.classes == ("ApplyEyeMakeup", "HandstandPushups", "HandstandWalking", "YoYo")
    assert info.extra["class_numbers"] == [1, 37, 38, 101]  # the release's numbers, gaps kept
    assert info.extra["case_mismatches"] == {"HandstandPushups": 5}
    assert info.extra["classes_absent"] == []
    test = train.with_split("test")
    assert [r.sample_id for r in test.refs()] == _listed(expected.test1, expected)
    assert sum(r.annotation.label == "HandstandPushups" for r in test.refs()) == 2  # g01, g02


def test_hand_edited_spellings_read_the_same(tmp_path: Path) -> None:
    release = build(tmp_path / "release")
    edited = build(tmp_path / "edited", row_folder="file")  # rows: HandStandPushups/...
    want = [(r.sample_id, r.annotation.label, Path(r.path).relative_to(release.root))
            for r in _reader(release.root).refs()]
    got = [(r.sample_id, r.annotation.label, Path(r.path).relative_to(edited.root))
           for r in _reader(edited.root).refs()]
    assert got == want
    # lists "fixed" with sed to v_HandstandPushups: the files keep their capital S on disk
    lists = release.root / LISTS / "trainlist01.txt"
    lists.write_bytes(lists.read_bytes().replace(b"v_HandStandPushups", b"v_HandstandPushups"))
    refs = [r for r in _reader(release.root).refs() if r.annotation.label == "HandstandPushups"]
    assert [r.sample_id for r in refs][:1] == ["v_HandstandPushups_g08_c01"]
    assert Path(refs[0].path).name == "v_HandStandPushups_g08_c01.avi"


def test_rows_of_the_wrong_class_stay_bad_rows(tmp_path: Path) -> None:
    expected = build(tmp_path / "ucf")
    lists = expected.root / LISTS / "trainlist01.txt"
    text = lists.read_bytes().decode()
    text += ("HandstandPushups/v_HandStandPushups_g08_c01.avi 36\r\n"  # 37 in classInd.txt
             "HandstandPushups/v_HandstandWalking_g08_c01.avi 37\r\n"  # a neighbour's file
             "handstandwalking/v_HandstandWalking_g08_c01.avi 37\r\n")  # 38's folder, 37
    lists.write_bytes(text.encode())
    n = len(text.splitlines())
    reasons = {e.sample_id: e.reason for e in _reader(expected.root).bad_rows()}
    assert sorted(reasons) == [f"row-{n - 2}", f"row-{n - 1}", f"row-{n}"]
    assert "differs from classInd.txt (37 HandstandPushups)" in reasons[f"row-{n - 2}"]
    assert "is not v_HandstandPushups_gXX_cYY.avi" in reasons[f"row-{n - 1}"]
    assert "differs from classInd.txt (38 HandstandWalking)" in reasons[f"row-{n}"]


def test_class_index_names_given_twice_are_refused(tmp_path: Path) -> None:
    expected = build(tmp_path / "ucf")
    path = expected.root / LISTS / "classInd.txt"
    path.write_bytes(path.read_bytes() + b"102 handstandpushups\r\n")
    with pytest.raises(DatasetError, match="'handstandpushups' given twice"):
        _reader(expected.root)


def test_partial_download_is_absent_not_bad(tmp_path: Path) -> None:
    expected = build(tmp_path / "ucf", partial=True, class_index="release")
    train = _reader(expected.root)
    assert train.bad_rows() == []
    assert sorted(e.sample_id for e in train.absent()) == list(expected.missing_train1) == [
        "v_HandStandPushups_g25_c03", "v_YoYo_g08_c01", "v_YoYo_g15_c01", "v_YoYo_g25_c01"]
    assert [r.sample_id for r in train.refs()] == _listed(expected.train1, expected)
    info = train.info()
    assert info.extra["class_numbers"] == "1..101" and len(info.classes) == 101
    assert info.extra["classes_absent"] == list(expected.classes_absent)
    assert len(expected.classes_absent) == 98 and "YoYo" in expected.classes_absent


def test_real_copy_needs_held_out_clips_only_of_the_classes_asked_for(tmp_path: Path) -> None:
    import torch

    from benchmarks.generators.base import GeneratorContext, GeneratorError
    from benchmarks.generators.bounds import create_real_copy
    from benchmarks.tokenizers import TOKENIZERS

    expected = build(tmp_path / "ucf")
    (expected.root / "UCF-101" / "HandstandWalking" / "v_HandstandWalking_g01_c01.avi").unlink()
    train = _reader(expected.root)

    def context(requested: tuple[int, ...]) -> GeneratorContext:
        return GeneratorContext(
            tokenizer=TOKENIZERS.get("identity")(), dataset=train, classes=tuple(train.classes),
            num_frames=17, frame_size=(32, 32), device=torch.device("cpu"), is_demo=False,
            cache_dir=tmp_path, requested_classes=requested)

    gen = create_real_copy(context((0, 1, 3)))  # HandstandWalking (2) not asked for
    clips = gen.generate([1, 1], [0, 1]).to_video(None)  # HandstandPushups' held-out g01, g02
    assert clips.shape == (2, 3, 17, 32, 32) and torch.equal(clips[0], clips[1])
    with pytest.raises(GeneratorError, match="no held-out clip of class 'HandstandWalking'"):
        create_real_copy(context((0, 1, 2, 3)))


# ucf101-gfvd end to end -------------------------------------------------------------


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> dict[str, Expected]:
    base = tmp_path_factory.mktemp("ucf101")
    return {"full": build(base / "full"),
            "partial": build(base / "partial", partial=True, class_index="release")}


def _run(root: Path, out: Path, generator: str, cache: Path,
         *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    cmd = [sys.executable, "-m", "benchmarks", "run", "--task", "ucf101-gfvd",
           "--data-root", str(root), "--tokenizer", "identity", "--generator", generator,
           "--task-arg", "features=pixels8", "--no-progress", "--num-workers", "0",
           "--device", "cpu", "--output", str(out), *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
           "PYRATOK_CACHE": str(cache)}
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    path = out / "ucf101-gfvd" / f"identity+{generator}" / "summary.json"
    return done, (json.loads(path.read_text()) if path.is_file() else {})


@pytest.mark.slow
@pytest.mark.parametrize("generator", ["real-copy", "noise"])
def test_gfvd_on_the_release_scores_handstand_pushups(copies, tmp_path, generator) -> None:
    expected = copies["full"]
    done, s = _run(expected.root, tmp_path / "out", generator, tmp_path / "cache")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (s["n_samples"], s["n_failed"], s["n_missing"]) == (14, 0, 0)
    e = s["evaluation"]
    # by hand from the fixture: groups 8, 15, 25 are split 1's training groups
    assert e["n_clips_per_class"] == {"ApplyEyeMakeup": 4, "HandstandPushups": 5,
                                      "HandstandWalking": 2, "YoYo": 3}
    assert e["classes_evaluated"] == list(expected.class_index) and e["classes_absent"] == []
    assert e["n_clips"] == e["n_generated_clips"] == 14
    run_dir = tmp_path / "out" / "ucf101-gfvd" / f"identity+{generator}"
    ids = (run_dir / "evaluated_ids.txt").read_text().split()
    assert [i for i in ids if "HandStand" in i] == list(expected.train1["HandstandPushups"])
    assert (run_dir / "plots" / "generated_per_class.png").is_file()
    assert e["reference_key"]["clips"]["count"] == 14
    value = s["metrics"]["fd_pixels8"]
    if generator == "real-copy":
        assert abs(value) < 1e-6  # the held-out clips of each class are the reference's
    else:
        assert value > 1.0


@pytest.mark.slow
@pytest.mark.parametrize("generator", ["real-copy", "noise"])
def test_gfvd_on_a_partial_download_scores_what_is_present(copies, tmp_path, generator) -> None:
    expected = copies["partial"]
    done, s = _run(expected.root, tmp_path / "out", generator, tmp_path / "cache")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (s["n_samples"], s["n_failed"], s["n_missing"]) == (10, 0, 4)
    run_dir = tmp_path / "out" / "ucf101-gfvd" / f"identity+{generator}"
    missing = [line.split("\t")[0] for line in
               (run_dir / "missing_ids.txt").read_text().splitlines()]
    assert missing == list(expected.missing_train1)
    assert sum("not on disk" in line for line in done.stderr.splitlines()) == 1
    e = s["evaluation"]
    assert e["classes_evaluated"] == ["ApplyEyeMakeup", "HandstandPushups", "HandstandWalking"]
    assert e["n_clips_per_class"] == {"ApplyEyeMakeup": 4, "HandstandPushups": 4,
                                      "HandstandWalking": 2}  # g25_c03 and YoYo/ removed
    assert e["classes_absent"] == list(expected.classes_absent)  # 97 never there + YoYo
    assert e["n_clips"] == e["n_generated_clips"] == 10
    assert e["reference_key"]["clips"]["count"] == 10
    value = s["metrics"]["fd_pixels8"]
    assert abs(value) < 1e-6 if generator == "real-copy" else value > 1.0


@pytest.mark.slow
def test_per_class_generation_keeps_to_the_classes_present(copies, tmp_path) -> None:
    done, s = _run(copies["partial"].root, tmp_path / "out", "real-copy", tmp_path / "cache",
                   "--task-arg", "generated=per_class", "--task-arg", "clips_per_class=2")
    assert done.returncode == 0, done.stderr[-2000:]
    e = s["evaluation"]
    assert e["n_generated_clips"] == 3 * 2  # 3 classes on disk of classInd.txt's 101
    assert e["generated_classes"] == "2 per evaluated class (3 of 101)"
    assert s["metrics"]["fd_pixels8"] > 1e-3  # 2 per class is not the real set's 4 : 4 : 2


@pytest.mark.slow
def test_full_and_partial_copies_never_share_reference_statistics(copies, tmp_path) -> None:
    from benchmarks.features.stage import clip_set

    full = clip_set(_listed(copies["full"].train1, copies["full"]))
    partial = clip_set(_listed(copies["partial"].train1, copies["partial"]))
    assert (full["count"], partial["count"]) == (14, 10)
    assert full["ids_sha256"] != partial["ids_sha256"]
    # same root, the files of the partial copy deleted from a full one: a new key too
    root = tmp_path / "ucf"
    build(root)
    done, s = _run(root, tmp_path / "a", "noise", tmp_path / "cache")
    assert done.returncode == 0, done.stderr[-2000:]
    (root / "UCF-101" / "HandstandWalking" / "v_HandstandWalking_g25_c01.avi").unlink()
    done, t = _run(root, tmp_path / "b", "noise", tmp_path / "cache")
    assert done.returncode == 0 and t["n_missing"] == 1, done.stderr[-2000:]
    assert t["evaluation"]["reference_key_hash"] != s["evaluation"]["reference_key_hash"]
    assert t["evaluation"]["reference_cache_hits_rank0"] == 0  # nothing reused across sets


@pytest.mark.slow
def test_score_mode_is_refused_in_one_line(copies) -> None:
    lists = copies["full"].root / LISTS
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "score", "--task", "ucf101-gfvd",
         "--annotations", str(lists / "trainlist01.txt"),
         "--predictions", str(lists / "testlist01.txt")],
        env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and "no score mode" in done.stderr
    assert "Traceback" not in done.stderr


# ucf101-rfvd-128 / -256: reconstruction FVD of train split 1 --------------------------


def _rfvd_run(root: Path, out: Path, task: str, *extra: str) -> dict:
    from benchmarks.cli import main

    code = main(["run", "--task", task, "--tokenizer", "identity", "--data-root", str(root),
                 "--output", str(out), "--no-progress", "--num-workers", "0",
                 "--task-arg", "lpips=false", *extra])
    assert code == 0
    return json.loads((out / task / "identity" / "summary.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize(("task", "size", "metric"), [("ucf101-rfvd-128", 128, "rfvd"),
                                                     ("ucf101-rfvd-256", 256, "rfvd_videogpt")])
def test_rfvd_tasks_score_every_train_split_1_clip(tmp_path, monkeypatch, task, size,
                                                   metric) -> None:
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))
    expected = build(tmp_path / "ucf")
    s = _rfvd_run(expected.root, tmp_path / "out", task)
    assert (s["n_samples"], s["n_failed"], s["n_missing"]) == (14, 0, 0)
    ids = (tmp_path / "out" / task / "identity" / "evaluated_ids.txt").read_text().split()
    assert ids == _listed(expected.train1, expected)  # trainlist01, every clip, list order
    assert s["dataset"]["split"] == "train1"
    assert (s["config"]["task"]["crop"], s["config"]["task"]["start"]) == (size, "center")
    assert s["metrics"]["psnr"] == "inf" and s["metrics"]["ssim"] == 1.0
    # FVD needs its I3D file (StyleGAN-V's; VideoGPT's for OmniTokenizer's 256 protocol):
    # named unavailable offline, never a number
    assert metric not in s["metrics"] and "I3D" in s["unavailable"][metric]


@pytest.mark.slow
def test_rfvd_claims_beside_a_measured_row(tmp_path, monkeypatch, capsys) -> None:
    import csv
    import io

    from benchmarks.cli import main
    from benchmarks.reporting.paper.claims import paper_claims

    found = {c.run_name: c for c in paper_claims(["ucf101-rfvd-128", "ucf101-rfvd-256"])}
    claims = {name: c.metrics for name, c in found.items()}
    # one CSV column, two protocols: each row's number goes to its own protocol's metric
    assert claims["Open-MAGVIT2 [Open-MAGVIT2 table] (reported)"] == {"rfvd_videogpt": 16.0}
    assert claims["LARP-L-Long-tokenizer [LARP README] (reported)"] == {"rfvd": 20.0}
    assert claims["OmniTokenizer VAE (ImageNet + UCF) (OmniTokenizer README)"] == {
        "rfvd_videogpt": 23.44}
    assert len(claims) == 8 + 4
    protocols = {name: c.evaluation["protocols"] for name, c in found.items()}
    assert protocols["LARP-L-Long-tokenizer [LARP README] (reported)"] == {
        "rfvd": {"protocol": "fvd-styleganv"}}
    assert protocols["MAGVIT [Open-MAGVIT2 table] (reported)"] == {
        "rfvd": {"protocol": "protocol not stated"}}
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))
    expected = build(tmp_path / "ucf")
    # pixel features stand in for the I3D: identical clips, distance 0 over all 14 clips
    s = _rfvd_run(expected.root, tmp_path / "out", "ucf101-rfvd-128",
                  "--task-arg", "features=pixels8", "--task-arg", "protocol=fd-pixels8")
    assert s["metrics"]["rfd_pixels8"] == pytest.approx(0.0, abs=1e-6)
    assert s["evaluation"]["rfvd_clips"] == 14
    capsys.readouterr()
    assert main(["tables", "--runs", str(tmp_path / "out"), "--paper", "--task",
                 "ucf101-rfvd-128", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    names = [r[0] for r in rows[1:]]
    assert "identity" in names and "TATS [Open-MAGVIT2 table] (reported)" in names

    def cell(row: str, column: str) -> str:
        heads = [h.removesuffix(" ↓") for h in rows[0]]
        return rows[names.index(row) + 1][heads.index(f"ucf101-rfvd-128 {column}")]

    magvit = "MAGVIT [Open-MAGVIT2 table] (reported)"
    omg = "Open-MAGVIT2 [Open-MAGVIT2 table] (reported)"
    larp = "LARP-L-Long-tokenizer [LARP README] (reported)"
    assert cell(magvit, "rfvd (protocol not stated)") == "25.0"
    assert cell(omg, "rfvd_videogpt (fvd-videogpt)") == "16.0"
    assert cell(larp, "rfvd (fvd-styleganv)") == "20.0"
    assert cell(omg, "rfvd (fvd-styleganv)") == cell(larp, "rfvd_videogpt (fvd-videogpt)") == ""
