"""``python -m benchmarks.train_vq``: trains, records provenance, loads in the registry; a
``vq`` folder named by ``--tokenizer-arg`` in a demo mcl-jcv run (token rates; the webvid and
mcl-jcv demo runs of every tokenizer are tests/benchmarks/tokenizers/test_demo_runs.py)."""

from __future__ import annotations

import json
import math

import pytest

from benchmarks.cli import main as cli
from benchmarks.tokenizers import TOKENIZERS
from benchmarks.train_vq import main
from tests.helpers.datasets import write_webvid
from tests.helpers.tiny_vq import save_tiny_vq

TINY = ["--frames", "5", "--size", "32", "--steps", "5", "--batch-cells", "128",
        "--no-progress"]


@pytest.fixture(scope="module")
def webvid_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("webvid")
    write_webvid(root, n=2, frames=8, size=(32, 48))
    return root


@pytest.mark.slow
def test_trains_records_and_loads(webvid_root, tmp_path, capsys):
    out = tmp_path / "q"
    assert main(["--base", "avgpool", "--quantizer", "rvq", "--codebook-size", "16",
                 "--num-quantizers", "2", "--data-root", str(webvid_root),
                 "--output", str(out), *TINY]) == 0
    assert f"vq quantizer: {out} (rvq 2 x 16 on avgpool" in capsys.readouterr().out
    record = json.loads((out / "config.json").read_text())
    assert record["base"] == {"name": "avgpool", "args": {}, "latent_channels": 3,
                              "spatial_compression": 4, "temporal_compression": 1,
                              "weights": []}
    training = record["training"]
    # 2 clips x 5 frames x (32 / 4)^2 cells
    assert (training["clips"], training["frames"], training["cells"]) == (2, 5, 2 * 5 * 8 * 8)
    assert training["steps"] == 5 and training["data_root"] == str(webvid_root)
    assert not training["demo"] and math.isfinite(training["mse"])
    assert len(training["codebook_usage"]) == 2
    tok = TOKENIZERS.get("vq")(quantizer=str(out))
    assert tok.spec.vocab_size == 16 and tok.spec.num_levels == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q"]


@pytest.mark.parametrize(("args", "message"), [
    (["--base", "avgpool", "--quantizer", "lfq", "--levels", "8,8"], "--levels is for fsq"),
    (["--base", "avgpool", "--quantizer", "fsq"], "fsq needs --levels"),
    (["--base", "avgpool", "--quantizer", "fsq", "--levels", "8,x"], "expected integers"),
    (["--base", "avgpool", "--quantizer", "lfq", "--codebook-size", "48"], "power of two"),
    (["--base", "h264", "--quantizer", "fsq", "--levels", "5,5"], "not a continuous tokenizer"),
    (["--base", "wan2.1", "--quantizer", "fsq", "--levels", "5,5"], "needs path=..."),
    (["--base", "avgpool", "--base-arg", "factr=2", "--quantizer", "fsq", "--levels", "5,5"],
     "did you mean 'factor'"),
])
def test_mistakes_are_one_line_and_exit_2(webvid_root, tmp_path, capsys, args, message):
    code = main([*args, "--data-root", str(webvid_root), "--output", str(tmp_path / "q"), *TINY])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert not (tmp_path / "q").exists()


def test_an_existing_output_needs_overwrite(webvid_root, tmp_path, capsys):
    (tmp_path / "q").mkdir()
    args = ["--base", "avgpool", "--quantizer", "fsq", "--levels", "5,5,5",
            "--data-root", str(webvid_root), "--output", str(tmp_path / "q"), *TINY]
    assert main(args) == 2
    assert "already exists: choose a new folder or pass --overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    assert (tmp_path / "q" / "model.safetensors").is_file()


@pytest.mark.slow
def test_the_cli_runs_mcl_jcv_with_a_trained_vq(tmp_path):
    quantizer = save_tiny_vq(tmp_path, "fsq")
    vq = ["--tokenizer", "vq", "--tokenizer-arg", "base=avgpool",
          "--tokenizer-arg", f"quantizer={quantizer}", "--limit", "1", "--no-progress"]
    assert cli(["run", "--task", "mcl-jcv", *vq, "--output", str(tmp_path / "out"),
                "--task-arg", "frames_per_clip=8", "--task-arg", "lpips=false"]) == 0
    (run,) = (tmp_path / "out" / "mcl-jcv").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    (rec,) = [json.loads(x) for x in (run / "samples.jsonl").read_text().splitlines()]
    spec = TOKENIZERS.get("vq")(quantizer=str(quantizer)).spec
    m = rec["metrics"]
    assert m["bits"] == spec.bits_per_token * rec["prediction"]["tokens"]
    assert 0 < m["bpp_entropy"] <= m["bpp_tokens"]
    assert {"bpp_tokens", "bpp_entropy", "psnr_y"} <= set(summary["metrics"])
    assert 0 < summary["metrics"]["codebook_usage"] <= 1


@pytest.mark.slow
def test_a_vae_base_is_checked_by_its_weights(webvid_root, tmp_path, capsys):
    import shutil

    from tests.helpers.tiny_vaes import save_tiny_wan

    wan = save_tiny_wan(tmp_path / "wan")
    out = tmp_path / "q"
    assert main(["--base", "wan2.1", "--base-arg", f"path={wan}", "--quantizer", "lfq",
                 "--codebook-size", "256", "--data-root", str(webvid_root),
                 "--output", str(out), *TINY]) == 0
    record = json.loads((out / "config.json").read_text())
    assert record["base"]["latent_channels"] == 16 and len(record["base"]["weights"]) == 2
    # 2 clips x (1 + 4 / 4) latent steps x (32 / 8)^2 cells: causal 4k+1 takes 5 frames
    assert record["training"]["cells"] == 2 * 2 * 4 * 4
    tok = TOKENIZERS.get("vq")(quantizer=str(out))  # base and path: the recorded ones
    assert (tok.spec.temporal_compression, tok.spec.frame_convention) == (4, "causal")
    # the same weights elsewhere are fine; other weights are refused in one line
    moved = tmp_path / "moved"
    shutil.copytree(wan, moved)
    TOKENIZERS.get("vq")(quantizer=str(out), base_args={"path": str(moved)})
    other = save_tiny_wan(tmp_path / "other", seed=1)
    with pytest.raises(ValueError, match="weights that differ from those the quantizer"):
        TOKENIZERS.get("vq")(quantizer=str(out), base_args={"path": str(other)})
    code = cli(["run", "--task", "webvid", "--tokenizer", "vq", "--tokenizer-arg",
                f"quantizer={out}", "--tokenizer-arg", f"base_args={{path: {other}}}",
                "--output", str(tmp_path / "runs"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "weights that differ" in err[0], err
