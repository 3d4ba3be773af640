"""Job arrays: ``run --shard i/N`` then ``merge`` give the unsharded run's summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.config import ConfigError
from benchmarks.runner.shards import ShardDone, parse_shard
from tests.helpers.datasets import write_webvid


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("webvid")
    write_webvid(root, n=5, frames=4, size=(16, 16))
    return root


def _run(data: Path, out: Path, *extra: str) -> int:
    return main(["run", "--task", "webvid", "--tokenizer", "avgpool", "--data-root", str(data),
                 "--output", str(out), "--no-progress", "--num-workers", "0",
                 "--task-arg", "frames_per_clip=4", "--task-arg", "resize_shorter=16",
                 "--task-arg", "crop=16", *extra])


def test_merged_shards_equal_the_unsharded_run(data: Path, tmp_path: Path, capsys):
    assert _run(data, tmp_path / "whole") == 0
    sharded = tmp_path / "sharded"
    assert _run(data, sharded, "--shard", "0/2") == 0
    run_dir = sharded / "webvid" / "avgpool"
    assert main(["merge", str(run_dir)]) == 2  # shard 1 missing
    assert "shard(s) 1/2 not finished" in capsys.readouterr().err
    assert _run(data, sharded, "--shard", "1/2") == 0
    assert not (run_dir / "summary.json").exists()  # shards write only their folders
    parts = [json.loads((run_dir / f"shards/{i}-of-2/shard.json").read_text()) for i in (0, 1)]
    assert [p["n_samples"] for p in parts] == [3, 2]
    assert main(["merge", str(run_dir)]) == 0
    whole = json.loads((tmp_path / "whole/webvid/avgpool/summary.json").read_text())
    merged = json.loads((run_dir / "summary.json").read_text())
    for key in ("psnr", "ssim"):
        assert merged["metrics"][key] == whole["metrics"][key]
    assert merged["evaluated_ids"] == whole["evaluated_ids"]
    assert merged["config_hash"] == whole["config_hash"] and merged["merged_shards"] == 2
    assert main(["merge", str(run_dir)]) == 0  # idempotent: nothing imported twice
    again = json.loads((run_dir / "summary.json").read_text())
    assert again["evaluated_ids"] == whole["evaluated_ids"]


@pytest.mark.parametrize("text", ["2/2", "1", "a/b", "-1/3"])
def test_bad_shard_is_named(text: str):
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)


GOOD_SHARD = {"shard": [0, 2], "config_hash": "h", "options": {"task": "webvid",
              "tokenizer": "avgpool", "limit": None}, "n_samples": 1, "n_failed": 0,
              "n_listed": 1}


@pytest.mark.parametrize(("change", "says"), [
    ({"shard": ["a", "b"]}, "shard: expected list [int, int], got list ['a', 'b']"),
    ({"shard": [2, 2]}, "shard: expected [i, N] with 0 <= i < N"),
    ({"shard": 5}, "shard: expected list [int, int], got int 5"),
    ({"config_hash": 5}, "config_hash: expected str"),
    ({"n_samples": "1"}, "n_samples: expected int"),
    ({"options": [1]}, "options: expected dict"),
    ({"options": {"task": "webvid", "tokenizer": "avgpool", "bogus": 1}},
     "options: unknown key(s) bogus"),
    ({"options": {"task": 5, "tokenizer": "avgpool"}}, "options.task: expected str"),
    ({"options": {"task": "webvid", "tokenizer": "avgpool", "limit": "x"}},
     "options.limit: expected int or null"),
    ({"options": {"task": "webvid", "tokenizer": "avgpool", "tokenizer_args": [1]}},
     "options.tokenizer_args: expected dict"),
    ({"options": {"task": "webvid", "tokenizer": 5}},
     "options.tokenizer: expected a registered name, got 5"),
    ({"options": {"task": "webvid", "tokenizer": "avgpool", "data_root": 5}},
     "options.data_root: expected str or Path or null"),
])
def test_a_shard_json_of_wrong_types_is_one_error_naming_the_key(tmp_path, change, says):
    """``merge`` re-plans the run from ``options``: a wrong type there was a traceback."""
    path = tmp_path / "shard.json"
    path.write_text(json.dumps({**GOOD_SHARD, **change}))
    with pytest.raises(ConfigError) as info:
        ShardDone.read(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a readable shard.json ({says}"), message
    assert message.endswith("); rerun that shard")


def test_a_shard_json_without_a_key_names_it(tmp_path):
    path = tmp_path / "shard.json"
    path.write_text(json.dumps({k: v for k, v in GOOD_SHARD.items() if k != "options"}))
    with pytest.raises(ConfigError, match=r"missing key\(s\) options"):
        ShardDone.read(path)
    path.write_text(json.dumps(GOOD_SHARD))
    assert ShardDone.read(path).shard == (0, 2)
