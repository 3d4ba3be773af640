"""``run --task tokenbench`` on a tiny copy of TokenBench as its preprocessing writes it
(tests/fixtures/official/tokenbench.py): the clips found beside metrics_cli's CSVs and
other files, per-domain and macro averages, and PSNR / SSIM equal to TokenBench's own
formulas (``metrics_cli.PSNR`` on float32 frames, scikit-image SSIM per frame) computed
here on the reconstructions."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from benchmarks.cli import main
from benchmarks.datasets.tokenbench.reader import TokenBenchDataset, domain_of
from benchmarks.io.sampling import FrameSampling
from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.windows import reconstruct_window, window_spans
from tests.fixtures.official import tokenbench

RAW = FrameSampling(frames_per_clip=100000, resize_shorter=None, crop=None)


def _read(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def _tokenbench_psnr(a: np.ndarray, b: np.ndarray) -> float:
    """metrics_cli.PSNR, re-derived: float32 frames in [0, 255], MSE over the whole clip."""
    mse = ((a.astype(np.float32) - b.astype(np.float32)) ** 2).mean()
    return float(20 * np.log10(255.0 / (np.sqrt(mse) + np.finfo(np.float32).eps)))


def _reconstruction(name: str, frames: np.ndarray, window: int) -> np.ndarray:
    """The tokenizer's 8-bit reconstruction, window by window, done here independently of
    the family (the windows module is the only shared piece)."""
    tok = TOKENIZERS.get(name)()
    out = []
    for start, end in window_spans(len(frames), window):
        x = torch.from_numpy(frames[start:end]).permute(3, 0, 1, 2).float() / 127.5 - 1
        recon, _ = reconstruct_window(tok, x.unsqueeze(0))
        out.append(((recon[0].clamp(-1, 1) + 1) * 127.5).round().permute(1, 2, 3, 0).numpy())
    return np.concatenate(out).astype(np.uint8)


def test_reader_finds_the_clips_and_their_domains(tmp_path):
    folder = tokenbench.build(tmp_path / "dataset")
    for root in (folder, folder.parent):  # the tokenbench folder, or the one holding it
        reader = TokenBenchDataset(root, sampling=RAW)
        assert [r.sample_id for r in reader.refs()] == sorted(tokenbench.CLIPS)
        info = reader.info()
        assert info.extra["clips_per_domain"] == tokenbench.DOMAINS
        assert info.extra["complete"] is False  # a partial download, said so
        # the two cameras of one take, the two clips of one video: one source each
        assert {r.sample_id: r.cluster for r in reader.refs()} == tokenbench.CLUSTERS
        assert info.extra["sources_per_domain"] == {"bdd_100": 1, "egoexo4D": 1,
                                                    "bridgev2": 1, "panda": 1}
        assert info.extra["clips_without_source"] == {"egoexo4D": 0, "panda": 0}
    extra = reader.load(reader.refs()[0]).ref.extra  # bdd_100_0114bdd0-f317da84
    assert (extra["frames"], extra["height"], extra["width"], extra["domain"]) == (
        18, 24, 32, "bdd_100")
    assert domain_of("bdd_100_.mp4") is None and domain_of("panda_x.MP4") is None


def test_resizing_is_refused_and_an_empty_folder_is_one_line(tmp_path, capsys):
    tokenbench.build(tmp_path / "dataset")
    with pytest.raises(Exception, match="resize_shorter: null"):
        TokenBenchDataset(tmp_path / "dataset", sampling=FrameSampling())
    (tmp_path / "empty").mkdir()
    code = main(["run", "--task", "tokenbench", "--tokenizer", "identity", "--data-root",
                 str(tmp_path / "empty"), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "no <domain>_<name>.mp4 clip" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("window", [4, 17])
def test_avgpool_run_matches_tokenbench_formulas(tmp_path, window):
    folder = tokenbench.build(tmp_path / "dataset")
    code = main(["run", "--task", "tokenbench", "--tokenizer", "avgpool", "--data-root",
                 str(folder), "--output", str(tmp_path / "out"), "--no-progress",
                 "--task-arg", f"temporal_window={window}", "--task-arg", "rfvd=false"])
    assert code == 0
    run = tmp_path / "out" / "tokenbench" / "avgpool"
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["n_samples"], summary["n_failed"]) == (len(tokenbench.CLIPS), 0)
    # 6 clips from 4 sources: the interval resamples sources, as the summary says
    assert summary["ci_method"] == "cluster bootstrap (4 clusters, 2000 draws)"
    assert summary["dataset"]["extra"]["clips_without_source"] == {"egoexo4D": 0, "panda": 0}
    lines = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    assert {r["sample_id"]: r.get("cluster") for r in lines} == tokenbench.CLUSTERS
    records = {r["sample_id"]: r["metrics"] for r in lines}
    for stem in tokenbench.CLIPS:
        ref = _read(folder / f"{stem}.mp4")
        rec = _reconstruction("avgpool", ref, window)
        ssim = np.mean([structural_similarity(a, b, data_range=255.0, channel_axis=-1)
                        for a, b in zip(ref.astype(np.float32), rec.astype(np.float32),
                                        strict=True)])
        assert records[stem]["psnr"] == pytest.approx(_tokenbench_psnr(ref, rec), rel=1e-5)
        assert records[stem]["ssim"] == pytest.approx(ssim, rel=1e-5)
    groups = summary["groups"]
    assert sorted(groups) == sorted(tokenbench.DOMAINS)
    egoexo = [records[s]["psnr"] for s in tokenbench.CLIPS if s.startswith("egoexo4D")]
    assert groups["egoexo4D"]["psnr"] == pytest.approx(np.mean(egoexo))
    macro = np.mean([g["psnr"] for g in groups.values()])
    assert summary["metrics"]["psnr_macro"] == pytest.approx(macro)
    micro = np.mean([m["psnr"] for m in records.values()])
    assert summary["metrics"]["psnr"] == pytest.approx(micro)
    assert summary["evaluation"]["temporal_window"] == window


@pytest.mark.slow
def test_temporal_flickering_spans_every_pair_across_windows(tmp_path):
    from benchmarks.metrics.temporal import temporal_flickering

    folder = tokenbench.build(tmp_path / "dataset")
    assert main(["run", "--task", "tokenbench", "--tokenizer", "identity", "--data-root",
                 str(folder), "--output", str(tmp_path / "out"), "--no-progress",
                 "--task-arg", "temporal_window=4", "--task-arg", "rfvd=false"]) == 0
    run = tmp_path / "out" / "tokenbench" / "identity"
    records = {json.loads(line)["sample_id"]: json.loads(line)["metrics"]
               for line in (run / "samples.jsonl").read_text().splitlines()}
    for stem in tokenbench.CLIPS:
        clip = torch.from_numpy(_read(folder / f"{stem}.mp4")).permute(3, 0, 1, 2).double()
        expected = float(temporal_flickering(clip, data_range=255.0))
        assert records[stem]["temporal_flickering_ref"] == pytest.approx(expected, rel=1e-12)
        assert records[stem]["temporal_flickering_delta"] == 0.0  # identity: the same clip
