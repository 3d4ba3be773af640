"""``expand_sweep``: a list-valued sweep key becomes one ``RunOptions`` per point, with no
command line involved (the Python API sweeps as ``run --task-arg rates=[...]`` does)."""

from __future__ import annotations

import pytest

from benchmarks.api import RunOptions, expand_sweep
from benchmarks.config import ConfigError


def test_a_list_of_rates_is_one_options_per_point():
    opts = RunOptions(task="mcl-jcv", tokenizer="hevc", task_args={"rates": [0.02, 0.05],
                                                                   "lpips": False})
    points = expand_sweep(opts)
    # compression sweeps rates -> target_bpp; the point names the scalar and its value
    assert [p.run_name for p in points] == ["hevc@target_bpp=0.02", "hevc@target_bpp=0.05"]
    assert [p.task_args for p in points] == [{"lpips": False, "target_bpp": 0.02},
                                             {"lpips": False, "target_bpp": 0.05}]
    assert opts.task_args == {"rates": [0.02, 0.05], "lpips": False}  # not mutated


def test_a_run_name_is_the_curve_and_tokenizer_args_hash_the_default():
    named = expand_sweep(RunOptions(task="mcl-jcv", tokenizer="hevc", run_name="mine",
                                    task_args={"qps": [22, 27]}))
    assert [p.run_name for p in named] == ["mine@quality=22", "mine@quality=27"]
    hashed = expand_sweep(RunOptions(task="mcl-jcv", tokenizer="hevc",
                                     tokenizer_args={"preset": "fast"},
                                     task_args={"qps": [22]}))
    base = hashed[0].run_name.split("@")[0]
    assert base.startswith("hevc-") and len(base) == len("hevc-") + 8


def test_no_sweep_key_is_the_options_themselves():
    opts = RunOptions(task="webvid", tokenizer="identity", task_args={"frames_per_clip": 9})
    assert expand_sweep(opts) == [opts]


@pytest.mark.parametrize(("task_args", "message"), [
    ({"rates": [0.03, 0.03]}, "a value is repeated"),
    ({"rates": []}, "expected a non-empty list of numbers"),
    ({"rates": [0.03], "target_bpp": 0.03}, "do not give both"),
])
def test_bad_sweeps_are_config_errors(task_args, message):
    with pytest.raises(ConfigError, match=message):
        expand_sweep(RunOptions(task="mcl-jcv", tokenizer="hevc", task_args=task_args))
