"""The tokenbench family's pieces: windows, the identity's PSNR as TokenBench computes it,
a causal tokenizer's windows padded to lengths it takes, the README's claims in tables,
lpips_vgg as metrics_cli computes it (and unavailable or refused without the right file)."""

from __future__ import annotations

import csv
import io
import json
import math

import av
import numpy as np
import pytest
import torch

import benchmarks
from benchmarks.cli import main
from benchmarks.metrics import load_lpips
from benchmarks.metrics.codebook import merged_codes, pooled_usage
from benchmarks.reporting.paper.claims import paper_claims
from benchmarks.store import SAMPLES, read_jsonl
from benchmarks.tokenizers.avgpool import create_avgpool
from benchmarks.tokenizers.windows import padded_length, reconstruct_window, window_spans
from tests.fixtures.make_lpips_golden import FAKE_STATE_DICTS, signed_frames
from tests.fixtures.official import tokenbench
from tests.helpers.fake_lpips import place_fake_trunk
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


# lpips_vgg: TokenBench's LPIPS (VGG-16 trunk), with a fake trunk accepted for the test


def _run(folder, out, *args: str) -> dict:
    code = main(["run", "--task", "tokenbench", "--tokenizer", "avgpool", "--data-root",
                 str(folder), "--output", str(out), "--no-progress", "--task-arg",
                 "rfvd=false", *args])
    assert code == 0
    return json.loads((out / "tokenbench/avgpool/summary.json").read_text())


def _direct_lpips_vgg(path, model) -> float:
    """metrics_cli.LPIPS by hand: every frame of the clip and its avgpool reconstruction
    rounded to 8 bit, ``2 * (x / 255 - 0.5)``, LPIPS-VGG per frame, the mean."""
    with av.open(str(path)) as container:
        frames = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    ref = torch.from_numpy(frames).permute(3, 0, 1, 2).float()  # (3, t, h, w), 0..255
    recon, _ = reconstruct_window(create_avgpool(), (ref / 127.5 - 1).unsqueeze(0))
    rec8 = ((recon[0].clamp(-1, 1) + 1) * 127.5).round()
    values = [model.forward_signed(signed_frames(r.permute(1, 2, 0)[None]),
                                   signed_frames(t.permute(1, 2, 0)[None])).item()
              for r, t in zip(rec8.unbind(1), ref.unbind(1), strict=True)]
    return float(np.mean(values))


def test_lpips_vgg_is_the_clip_mean_of_lpips_per_frame(tmp_path, monkeypatch):
    folder = tokenbench.build(tmp_path / "dataset")
    hub = tmp_path / "hub"
    trunk = place_fake_trunk(monkeypatch, hub, "vgg")  # accepted for this test only
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    summary = _run(folder, tmp_path / "out", "--limit", "2")
    model = load_lpips(net="vgg")
    records = {r["sample_id"]: r["metrics"]
               for r in read_jsonl(tmp_path / "out/tokenbench/avgpool" / SAMPLES)}
    # bdd_100 (18 frames: two windows of 17) and bridgev2 (5 frames, portrait)
    assert sorted(records) == sorted(tokenbench.CLIPS)[:2]
    expected = {stem: _direct_lpips_vgg(folder / f"{stem}.mp4", model) for stem in records}
    for stem, value in expected.items():
        assert records[stem]["lpips_vgg"] == pytest.approx(value, rel=1e-5)
    assert min(expected.values()) > 0  # the reconstruction is not the reference
    assert summary["metrics"]["lpips_vgg"] == pytest.approx(np.mean(list(expected.values())),
                                                            rel=1e-5)
    assert "lpips_vgg" not in summary["unavailable"]
    assert summary["evaluation"]["lpips_vgg_weights"][0]["file"] == str(trunk)
    assert str(trunk) in summary["config"]["weights"]  # fingerprinted into the run's hash


def test_lpips_vgg_without_its_weights_is_unavailable(tmp_path, monkeypatch):
    folder = tokenbench.build(tmp_path / "dataset")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "empty-hub"))
    summary = _run(folder, tmp_path / "out", "--limit", "1")
    reason = summary["unavailable"]["lpips_vgg"]
    assert str(tmp_path / "empty-hub/checkpoints/vgg16-397923af.pth") in reason
    assert "https://download.pytorch.org/models/vgg16-397923af.pth" in reason
    assert "lpips_vgg" not in summary["metrics"]
    summary = _run(folder, tmp_path / "off", "--limit", "1", "--task-arg", "lpips=false")
    assert summary["unavailable"]["lpips_vgg"] == "disabled by the task config (lpips: false)"


def test_a_wrong_vgg_file_stops_the_run(tmp_path, monkeypatch, capsys):
    folder = tokenbench.build(tmp_path / "dataset")
    path = tmp_path / "hub/checkpoints/vgg16-397923af.pth"
    path.parent.mkdir(parents=True)
    torch.save(FAKE_STATE_DICTS["vgg"](), path)  # not accepted: its digest is checked
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    code = main(["run", "--task", "tokenbench", "--tokenizer", "avgpool", "--data-root",
                 str(folder), "--output", str(tmp_path / "out"), "--no-progress",
                 "--task-arg", "rfvd=false", "--limit", "1"])
    err = capsys.readouterr().err
    assert code == 2 and str(path) in err and "397923af" in err
