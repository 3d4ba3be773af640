"""The tokenbench family's pieces: windows, the identity's PSNR as TokenBench computes it,
a causal tokenizer's windows padded to lengths it takes, the README's claims in tables."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
import torch

import benchmarks
from benchmarks.cli import main
from benchmarks.metrics.codebook import merged_codes, pooled_usage
from benchmarks.reporting.paper.claims import paper_claims
from benchmarks.tokenizers.windows import padded_length, reconstruct_window, window_spans
from tests.fixtures.official import tokenbench
from tests.helpers.tokenizer_builders import build_tokenizer


def test_window_spans_cover_the_clip_once():
    assert window_spans(40, 17) == [(0, 17), (17, 34), (34, 40)]
    assert window_spans(17, 17) == [(0, 17)] and window_spans(5, None) == [(0, 5)]
    with pytest.raises(ValueError, match="at least 1 frame"):
        window_spans(5, 0)


def test_a_causal_tokenizer_gets_padded_windows_and_gives_back_each_frame(tmp_path):
    tok = build_tokenizer("wan2.1", tmp_path)  # causal 4k+1
    seen = []
    encode = tok.encode
    tok.encode = lambda video, texts=None: seen.append(video.shape[2]) or encode(video, texts)
    assert padded_length(tok, 7) == 9 and padded_length(tok, 9) == 9
    video = torch.rand(1, 3, 7, 16, 16) * 2 - 1
    recon, _ = reconstruct_window(tok, video)
    assert recon.shape == video.shape and seen == [9]


def test_codes_of_a_clip_pool_over_its_windows():
    a = [torch.tensor([[[[1, 1], [2, 3]]]])]
    b = [torch.tensor([[[[3, 3], [3, 4]]]])]
    merged = merged_codes([a, b])
    assert merged["codes_l0"].tolist() == [1, 2, 3, 4]
    assert merged["counts_l0"].tolist() == [2, 1, 4, 1]
    assert pooled_usage([("c", merged)], 8)[0]["codebook_usage"] == 0.5


@pytest.mark.slow
def test_identity_scores_tokenbench_psnr_of_a_zero_error(tmp_path):
    folder = tokenbench.build(tmp_path / "dataset")
    code = main(["run", "--task", "tokenbench", "--tokenizer", "identity", "--data-root",
                 str(folder), "--output", str(tmp_path / "out"), "--no-progress",
                 "--task-arg", "rfvd=false"])
    assert code == 0
    summary = json.loads((tmp_path / "out/tokenbench/identity/summary.json").read_text())
    # metrics_cli.PSNR: 20 log10(255 / (sqrt(0) + float32 eps)), finite
    expected = 20 * math.log10(255 / float(np.finfo(np.float32).eps))
    assert summary["metrics"]["psnr"] == pytest.approx(expected)
    assert summary["metrics"]["ssim"] == pytest.approx(1.0)
    assert summary["evaluation"]["compression"] == "1x1x1"
    assert "no token indices" in summary["unavailable"]["codebook_usage"]


def test_the_readme_leaderboard_is_shown_as_its_claims(tmp_path, capsys):
    claims = {c.run_name: c.metrics for c in paper_claims(["tokenbench"])}
    assert claims["Cosmos-CV (4 × 8 × 8) (TokenBench README)"] == {
        "psnr": 37.27, "ssim": 0.928, "rfvd": 6.849}
    assert len(claims) == 10  # CogVideoX, OmniTokenizer x2, Cosmos-CV x3, VideoGPT, Cosmos-DV x3
    benchmarks.evaluate("tokenbench", "identity", output=tmp_path, limit=1, progress=False,
                        rfvd=False)  # the demo set: one measured row beside the claims
    assert main(["tables", "--runs", str(tmp_path), "--paper", "--task", "tokenbench",
                 "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert {"identity", "Cosmos-DV (8 × 16 × 16) (TokenBench README)"} <= {r[0] for r in rows[1:]}
