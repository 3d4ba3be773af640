"""The example plug-in package (``examples/benchmarks-plugin-example``).

Its code is checked against hand-computed values from the source folder; whether its entry
points register is checked where it is installed (CI: ``.ci/run`` pip-installs it), and
skipped elsewhere.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from pathlib import Path

import pytest
import torch

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "benchmarks-plugin-example"
DIST = "benchmarks-plugin-example"


def _installed() -> bool:
    try:
        importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture
def example(monkeypatch):
    """The example package's modules, imported from the source folder."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    return (importlib.import_module("benchmarks_plugin_example.tokenizer"),
            importlib.import_module("benchmarks_plugin_example.family"))


def test_posterize_codes_a_constant_clip_by_hand(example):
    tokenizer, _ = example
    tok = tokenizer.create_posterize(factor=4, levels=8)
    # R, G, B = -1, 0.5, 1 -> codes round((v + 1) / 2 * 7) = 0, round(5.25) = 5, 7
    video = torch.tensor([-1.0, 0.5, 1.0]).view(1, 3, 1, 1, 1).expand(1, 3, 3, 8, 12)
    enc = tok.encode(video.contiguous())
    assert enc.indices[0].shape == (1, 3, 2, 3)  # (b, t, h / 4, w / 4)
    assert enc.indices[0].unique().tolist() == [(0 * 8 + 5) * 8 + 7]  # = 47
    assert tok.spec.vocab_size == 512 and tok.spec.bits_per_token == 9
    assert enc.bits.tolist() == [9.0 * 3 * 2 * 3]  # 18 tokens of 9 bits = 162
    out = tok.decode(enc)
    assert out.shape == (1, 3, 3, 8, 12)
    expected = torch.tensor([-1.0, 5 / 7 * 2 - 1, 1.0]).view(1, 3, 1, 1, 1)  # G: 3/7
    torch.testing.assert_close(out, expected.expand_as(out))


def test_posterize_partial_cell_averages_only_its_pixels(example):
    tokenizer, _ = example
    tok = tokenizer.create_posterize(factor=4, levels=8)
    video = torch.full((1, 3, 1, 6, 4), -1.0)
    video[:, :, :, 4:] = 1.0  # rows 4-5: the second cell covers only these two rows
    enc = tok.encode(video)
    # its mean is 1 (code 7); counting two rows of zero padding would give 0.5 (code 5)
    assert enc.features[0][0, 0, 0, :, 0].tolist() == [-1.0, 1.0]
    assert enc.indices[0][0, 0, :, 0].tolist() == [0, 511]
    assert tok.decode(enc).shape == video.shape


def test_flicker_mae_by_hand(example):
    _, family = example
    target = torch.tensor([0.0, 0.5, 1.0]).view(1, 1, 3, 1, 1)  # changes +0.5, +0.5
    recon = torch.tensor([0.0, 0.5, 0.5]).view(1, 1, 3, 1, 1)  # changes +0.5, 0
    assert family.flicker_mae(recon, target).tolist() == [0.25]  # (|0| + |-0.5|) / 2
    assert family.flicker_mae(target, target).tolist() == [0.0]


@pytest.mark.skipif(not _installed(), reason=f"{DIST} is not installed (.ci/run installs it)")
def test_installed_example_registers_its_plugins():
    from benchmarks.config import discover_tasks
    from benchmarks.families import TASK_FAMILIES
    from benchmarks.tokenizers import TOKENIZERS

    assert TOKENIZERS.is_plugin("example-posterize")
    assert TOKENIZERS.get("example-posterize")().spec.name == "example-posterize"
    assert TASK_FAMILIES.is_plugin("temporal_flicker")
    family = TASK_FAMILIES.get("temporal_flicker")
    assert family.__module__ == "benchmarks_plugin_example.family"
    assert family.requires == ("decode",)
    task = discover_tasks()["example-flicker"]
    assert task.parent.name == "tasks" and task.parent.parent.name == "benchmarks_plugin_example"
