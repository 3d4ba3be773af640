"""Every registered tokenizer runs the two tasks every baseline is compared on, in CI size:
WebVid reconstruction and MCL-JCV compression on their bundled demo sets (one clip each,
9 frames, small frames), from tiny weights saved with the library's own format
(``tests.helpers.tokenizer_builders``).

``compare`` then takes any pair of those WebVid runs: no pair is refused (their own weights
and clip-length rules are not protocol differences) and a chain through every tokenizer is
compared in full.

A discrete tokenizer reports its rate from its token indices (``bpp_tokens``, and
``bpp_entropy`` from their empirical frequencies) and its codebook usage on both tasks; a
continuous one says why it has neither.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import benchmarks
from benchmarks.reporting.compare import read_run, refusal, run_compare
from benchmarks.tokenizers import TOKENIZERS
from tests.helpers.tokenizer_builders import BUILDERS, build_tokenizer

CODECS = {"h264", "hevc", "vvc"}  # compression's own tests cover them (rate search, streams)
NAMES = [n for n in TOKENIZERS.names() if n not in CODECS]
SMALL = {"frames_per_clip": 9, "resize_shorter": 32, "crop": 32, "latency_frames": None,
         "warmup": 0, "examples": 0}


class DemoRuns:
    """Each tokenizer's tiny weights and its WebVid demo run, made once per session."""

    def __init__(self, root: Path) -> None:
        self.root, self.runs = root, {}

    def tokenizer(self, name: str):
        return build_tokenizer(name, self.root / "weights" / name)

    def webvid(self, name: str) -> tuple[dict, Path]:
        if name not in self.runs:
            summary = benchmarks.evaluate("webvid", self.tokenizer(name), output=self.root,
                                          run_name=name, limit=2, progress=False, **SMALL)
            self.runs[name] = summary, self.root / "webvid" / name
        return self.runs[name]


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory) -> DemoRuns:
    return DemoRuns(tmp_path_factory.mktemp("demo-runs"))


def _check_codes(summary: dict, discrete: bool) -> None:
    metrics, unavailable = summary["metrics"], summary["unavailable"]
    if discrete:
        assert 0 < metrics["codebook_usage"] <= 1
        assert metrics["codebook_perplexity"] >= 1
    else:
        assert "no token indices" in unavailable["codebook_usage"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_webvid_and_mcl_jcv_demo_runs(name, demo_runs, tmp_path):
    if not TOKENIZERS.is_plugin(name):
        assert name in BUILDERS
    tokenizer = demo_runs.tokenizer(name)
    discrete = "bits" in tokenizer.spec.capabilities
    webvid, _ = demo_runs.webvid(name)
    assert webvid["n_samples"] == 2 and webvid["n_failed"] == 0
    assert webvid["metrics"]["psnr"] > 0  # identity: +inf
    assert 0 < webvid["metrics"]["temporal_flickering_recon"] <= 1  # VBench's, pixel-only
    _check_codes(webvid, discrete)
    mcl = benchmarks.evaluate("mcl-jcv", tokenizer, output=tmp_path, limit=1, progress=False,
                              frames_per_clip=9)
    assert mcl["n_samples"] == 1 and mcl["n_failed"] == 0
    assert mcl["metrics"]["psnr_y"] > 0
    _check_codes(mcl, discrete)
    if discrete:
        assert 0 < mcl["metrics"]["bpp_entropy"] <= mcl["metrics"]["bpp_tokens"]
    else:
        assert "no token indices" in mcl["unavailable"]["bpp_tokens"]


@pytest.mark.slow
def test_compare_takes_any_pair_of_tokenizers(demo_runs, tmp_path):
    folders = {name: demo_runs.webvid(name)[1] for name in NAMES}
    runs = {name: read_run(folder) for name, folder in folders.items()}
    refused = {(a, b): refusal(runs[a], runs[b]) for a, b in itertools.combinations(NAMES, 2)}
    assert {pair: why for pair, why in refused.items() if why} == {}
    for a, b in zip(NAMES, NAMES[1:] + NAMES[:1], strict=True):  # every one as A and as B
        text, out = run_compare(folders[a], folders[b], out=tmp_path / f"{a}_vs_{b}",
                                resamples=20)
        assert "| psnr |" in text and (out / "compare.json").is_file()
        if runs[a].summary.config["num_frames"] != runs[b].summary.config["num_frames"]:
            assert "Clip lengths differ" in text
