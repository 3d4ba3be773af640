"""The quantizer folder: atomic writes, overwriting, damaged files."""

from __future__ import annotations

import pytest
import torch

from benchmarks.tokenizers.vq.folder import (
    CONFIG,
    WEIGHTS,
    BaseRecord,
    load_quantizer,
    read_folder,
    save_quantizer,
)
from benchmarks.tokenizers.vq.quantizer import LatentQuantizer, QuantizerConfig

BASE = BaseRecord(name="avgpool", args={}, latent_channels=3, spatial_compression=4,
                  temporal_compression=1)


def quantizer(levels=(5, 5, 5, 5)) -> LatentQuantizer:
    torch.manual_seed(0)
    q = LatentQuantizer(QuantizerConfig(kind="fsq", latent_channels=3, levels=levels))
    q.set_statistics(torch.tensor([0.1, 0.2, 0.3]), torch.tensor([1.0, 2.0, 3.0]))
    return q


def test_save_and_load_round_trip(tmp_path):
    folder = save_quantizer(tmp_path / "q", quantizer(), base=BASE, training={"steps": 3})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q"]  # no temporary left behind
    loaded, record = load_quantizer(folder)
    assert not loaded.training and record.base == BASE and record.training == {"steps": 3}
    assert record.config == quantizer().config
    for (key, a), b in zip(quantizer().state_dict().items(), loaded.state_dict().values(),
                           strict=True):
        assert torch.equal(a, b), key


def test_an_existing_folder_is_kept_unless_overwritten(tmp_path):
    save_quantizer(tmp_path / "q", quantizer(), base=BASE, training={"run": 1})
    with pytest.raises(ValueError, match="already exists"):
        save_quantizer(tmp_path / "q", quantizer(), base=BASE, training={"run": 2})
    assert read_folder(tmp_path / "q").training == {"run": 1}
    save_quantizer(tmp_path / "q", quantizer((8, 5, 5)), base=BASE, training={"run": 2},
                   overwrite=True)
    assert read_folder(tmp_path / "q").training == {"run": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q"]


def test_a_crash_while_writing_leaves_nothing(tmp_path, monkeypatch):
    import benchmarks.tokenizers.vq.folder as folder_module

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(folder_module, "save_file", fail)
    with pytest.raises(OSError, match="disk full"):
        save_quantizer(tmp_path / "q", quantizer(), base=BASE, training={})
    assert list(tmp_path.iterdir()) == []


def test_damaged_files_are_one_line(tmp_path):
    folder = save_quantizer(tmp_path / "q", quantizer(), base=BASE, training={})
    (folder / WEIGHTS).write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="model.safetensors: does not fit fsq 5,5,5,5"):
        load_quantizer(folder)
    (folder / CONFIG).write_text("{")
    with pytest.raises(ValueError, match="config.json"):
        load_quantizer(folder)
