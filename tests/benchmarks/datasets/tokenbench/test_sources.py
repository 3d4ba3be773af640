"""Which source a TokenBench clip was cut from: list.txt's takes and videoIDs found whole in
a clip's name, and the ``file,source`` CSV for names that follow no convention."""

from __future__ import annotations

import re

import pytest

from benchmarks.datasets.base import DatasetError
from benchmarks.datasets.tokenbench.sources import (
    PANDA_VIDEOS,
    TAKES,
    known_source,
    read_source_map,
    source_in_name,
)


def test_the_release_names_100_takes_and_53_youtube_videos():
    # list.txt: 200 EgoExo-4D entries = 100 takes x 2 cameras; 100 Panda rows of 53 videos
    assert len(TAKES) == 100 and len(PANDA_VIDEOS) == 53
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{11}", v) for v in PANDA_VIDEOS)
    assert not any(a != b and b.startswith(a) for a in TAKES for b in TAKES)


@pytest.mark.parametrize(("stem", "take"), [
    ("egoexo4D_cmu_bike01_2_cam01", "cmu_bike01_2"),
    ("egoexo4D_cmu_bike01_2_aria01_214-1", "cmu_bike01_2"),
    # the release path flattened
    ("egoexo4D_cmu_bike01_2_frame_aligned_videos_cam01", "cmu_bike01_2"),
    ("egoexo4D_unc_soccer_09-21-23_01_4.cam01", "unc_soccer_09-21-23_01_4"),
    ("egoexo4D_unc_soccer_09-21-23_01_4", "unc_soccer_09-21-23_01_4"),
    # _4 is not in _41 (no take _41): unknown, not take _4
    ("egoexo4D_unc_soccer_09-21-23_01_41_cam01", None),
    ("egoexo4D_xcmu_bike01_2_cam01", None),  # a letter before it: another name
    ("egoexo4D_cam01", None),
    ("egoexo4D_cmu_bike01_2_vs_cmu_bike01_3", None),  # two takes: which is it?
])
def test_a_take_is_found_whole_in_an_egoexo_name(stem, take):
    assert known_source("egoexo4D", stem) == take


def test_the_longest_name_wins_where_one_starts_another():
    known = {"a_3", "a_30", "a_3_1"}
    assert source_in_name("x_a_3_cam01", known) == "a_3"
    assert source_in_name("x_a_30_cam01", known) == "a_30"
    assert source_in_name("x_a_3_1_cam01", known) == "a_3_1"  # not a_3 followed by _1
    assert source_in_name("x_a_31_cam01", known) is None
    assert source_in_name("x_a_3_and_a_30", known) is None


@pytest.mark.parametrize(("stem", "video"), [
    ("panda_0C4oY_6A4co_0", "0C4oY_6A4co"),
    ("panda_-TfD4eKDfbI", "-TfD4eKDfbI"),  # a videoID may start with "-"
    ("panda_1ySlUbU_p_0.2", "1ySlUbU_p_0"),  # ... or end in "_0"
    ("panda_00000123", None),  # video2dataset's numbered keys: not a videoID
    ("panda_x0C4oY_6A4co_0", None),
])
def test_a_videoid_is_found_whole_in_a_panda_name(stem, video):
    assert known_source("panda", stem) == video


def test_only_the_domain_s_own_sources_are_looked_for():
    assert known_source("egoexo4D", "egoexo4D_0C4oY_6A4co") is None
    assert known_source("panda", "panda_cmu_bike01_2") is None
    # one drive, one trajectory per clip: no shared source to find
    assert known_source("bdd_100", "bdd_100_cmu_bike01_2") is None
    assert known_source("bridgev2", "bridgev2_0C4oY_6A4co") is None


def test_a_source_map_is_read_and_each_mistake_named(tmp_path):
    clips = {"egoexo4D_t7_left.mp4", "egoexo4D_t7_right.mp4"}
    good = tmp_path / "good.csv"
    good.write_text("source,file\nt7,egoexo4D_t7_left.mp4\n\n t7 ,egoexo4D_t7_right.mp4\n")
    assert read_source_map(good, clips) == {"egoexo4D_t7_left.mp4": "t7",
                                            "egoexo4D_t7_right.mp4": "t7"}
    cases = {
        "file,take\negoexo4D_t7_left.mp4,t7\n": r"missing column\(s\) source",
        "file,source\negoexo4D_t7_top.mp4,t7\n": "line 2: 'egoexo4D_t7_top.mp4' is no",
        "file,source\negoexo4D_t7_left,t7\n": "line 2: 'egoexo4D_t7_left' is no",
        "file,source\negoexo4D_t7_left.mp4,t7\negoexo4D_t7_left.mp4,t8\n": "line 3: .* twice",
        "file,source\negoexo4D_t7_left.mp4, \n": "line 2: .* empty source",
        "file,source\negoexo4D_t7_left.mp4\n": "line 2: 1 field",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(DatasetError, match=message):
            read_source_map(bad, clips)
    with pytest.raises(DatasetError, match="no such file"):
        read_source_map(tmp_path / "absent.csv", clips)
