"""Training: YAML configs, ablation dry-runs, a 20-step smoke run, exact resume."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
import yaml

from pyratok.config import ABLATIONS, PyraTokConfig, TrainConfig, load_yaml_configs, split_flat
from pyratok.losses import PyraTokObjective
from pyratok.model import PyraTok
from pyratok.train import describe, train
from tests.helpers.paths import REPO
from tests.helpers.pyratok_tiny import (
    FakeTextEncoder,
    tiny_model,
    tiny_model_config,
    tiny_train_config,
)

torch.set_num_threads(1)
CONFIGS = REPO / "configs"


def _tiny_ablation(name: str, run_dir) -> tuple[PyraTokConfig, TrainConfig]:
    overrides = dict(ABLATIONS[name])
    # keep the Table 9 codebooks small: they differ in type / dim, not in size, here
    if "codebook_size" in overrides:
        overrides["codebook_size"] = min(overrides["codebook_size"] // 128, 64)
    if "code_dim" in overrides:
        overrides["code_dim"] = min(overrides["code_dim"], 32) if overrides.get(
            "quantizer") != "lfq" else 8
    model_kw, train_kw = split_flat(overrides, source=name)
    mcfg = tiny_model_config(**model_kw)
    tcfg = tiny_train_config(run_dir, **train_kw)
    return mcfg, tcfg


def _build(mcfg: PyraTokConfig, tcfg: TrainConfig):
    torch.manual_seed(tcfg.seed)
    model = PyraTok(mcfg)
    model.set_text_encoder(FakeTextEncoder())
    return model, PyraTokObjective(model, tcfg)


def test_yaml_maps_onto_both_dataclasses_and_rejects_unknown_keys(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("levels: 3\nsteps: 7\n")
    mcfg, tcfg = load_yaml_configs(path, overrides=["lambda_ar=0", "code_dim=8"])
    assert (mcfg.levels, mcfg.code_dim, tcfg.steps, tcfg.lambda_ar) == (3, 8, 7, 0)
    path.write_text("levles: 3\n")
    with pytest.raises(KeyError, match="levles"):
        load_yaml_configs(path)
    with pytest.raises(KeyError, match="no_such_ablation"):
        load_yaml_configs(None, ablation="no_such_ablation")


def test_config_json_round_trip(tmp_path):
    config = tiny_model_config(levels=3)
    config.to_json(tmp_path / "config.json")
    assert PyraTokConfig.from_json(tmp_path / "config.json") == config


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_configs_parse(path):
    model, trainer = load_yaml_configs(path)
    flat = yaml.safe_load(path.read_text()) or {}
    assert flat, f"{path.name} sets nothing"
    for key, value in flat.items():  # every key lands, unchanged, on one of the two configs
        config = model if key in {f.name for f in dataclasses.fields(PyraTokConfig)} else trainer
        assert getattr(config, key) == value, f"{path.name}: {key}"


def test_every_ablation_has_a_config_file():
    stems = {p.stem for p in CONFIGS.glob("*.yaml")}
    assert {f"ablation_{name}" for name in ABLATIONS if name != "full"} <= stems


@pytest.fixture(scope="module")
def dry_runs(tmp_path_factory) -> dict[str, str]:
    run_dir = tmp_path_factory.mktemp("dry")
    out = {}
    for name in ABLATIONS:
        mcfg, tcfg = _tiny_ablation(name, run_dir)
        model, objective = _build(mcfg, tcfg)
        out[name] = describe(model, objective, mcfg, tcfg)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(ABLATIONS) - {"full", "blocks_4", "q_lapq_lfq"}))
def test_each_ablation_changes_the_dry_run(dry_runs, name):
    assert dry_runs[name] != dry_runs["full"], name


@pytest.mark.slow
def test_ablation_dry_runs_are_pairwise_distinct(dry_runs):
    # by definition "blocks_4" and "q_lapq_lfq" are the default model and "q_lfq" (Table 9's
    # single-block LFQ) is the same model as "no_lapq" (Table 6)
    names = sorted(set(dry_runs) - {"blocks_4", "q_lapq_lfq", "q_lfq"})
    assert len({dry_runs[n] for n in names}) == len(names)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_each_ablation_trains_a_few_steps(tmp_path, name):
    mcfg, tcfg = _tiny_ablation(name, tmp_path)
    tcfg.steps = 2
    model, objective = _build(mcfg, tcfg)
    result = train(model, objective, tcfg, progress_bar=False)
    assert result["step"] == 2
    assert (tmp_path / "final" / "model.safetensors").is_file()


@pytest.mark.slow
def test_twenty_step_smoke_run_learns_and_checkpoints(tmp_path):
    tcfg = tiny_train_config(tmp_path, steps=20, log_every=5, ae_warmup_steps=5,
                             quant_ramp_steps=5, lr=3e-3)
    model = tiny_model()
    objective = PyraTokObjective(model, tcfg)
    train(model, objective, tcfg, progress_bar=False)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [5, 10, 15, 20]
    assert all(torch.isfinite(torch.tensor(r["loss"])) for r in records)
    assert records[-1]["l1"] < records[0]["l1"]
    assert records[-1]["quantize_fraction"] == 1.0
    loaded = PyraTok.from_pretrained(tmp_path / "checkpoint")
    assert torch.equal(loaded.state_dict()["null_text"], model.state_dict()["null_text"])


@pytest.mark.slow
def test_resume_continues_exactly(tmp_path):
    def run(run_dir, steps):
        # constant LR: the cosine schedule depends on `steps`, which differs between runs
        tcfg = tiny_train_config(run_dir, steps=steps, lambda_drift=0.0, lr_min=1e-3)
        model = tiny_model()
        train(model, PyraTokObjective(model, tcfg), tcfg, progress_bar=False)
        return model

    straight = run(tmp_path / "a", 4)
    run(tmp_path / "b", 2)
    resumed = run(tmp_path / "b", 4)  # same run_dir: picks up the step-2 checkpoint
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(),
                            strict=True):
        assert torch.allclose(a, b, atol=1e-6), name


def test_cli_dry_run_prints_components(capsys, tmp_path):
    from pyratok.train import main

    assert main(["--config", str(CONFIGS / "pyratok_demo.yaml"), "--dry-run",
                 "--ablation", "no_ar", "--set", "lambda_drift=0",
                 "--run-dir", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "λ_ar=0 (off)" in text and "quantizer: LFQ vocab=65,536 dim=16" in text
    assert "objective.ar" not in text


def test_init_from_copies_matching_tensors_and_reports_the_rest(tmp_path):
    from pyratok.train import init_weights

    torch.manual_seed(0)
    source = PyraTok(tiny_model_config())
    source.save_pretrained(tmp_path / "src")
    torch.manual_seed(1)
    target = PyraTok(tiny_model_config(sem_dim=8))  # semantic parts change shape
    report = init_weights(target, tmp_path / "src")
    own, saved = target.state_dict(), source.state_dict()
    for name in report["loaded"]:
        assert torch.equal(own[name], saved[name])
    assert report["new"] and all(
        any(part in n for part in ("semantic", "text_to_sem", "pool_score")) for n in report["new"])
    assert set(report["loaded"]) | set(report["new"]) == set(own)


def test_init_from_a_missing_folder_says_what_is_expected(tmp_path):
    from pyratok.train import init_weights

    with pytest.raises(FileNotFoundError, match="init_from=.*save_pretrained"):
        init_weights(PyraTok(tiny_model_config()), tmp_path / "nowhere")


def test_init_from_is_used_by_a_fresh_run(tmp_path):
    model, _ = _build(tiny_model_config(), tiny_train_config(tmp_path / "a"))
    model.save_pretrained(tmp_path / "src")
    tcfg = tiny_train_config(tmp_path / "b", steps=0, init_from=str(tmp_path / "src"))
    fresh, objective = _build(tiny_model_config(), replace_seed(tcfg, 5))
    train(fresh, objective, tcfg, progress_bar=False)
    for name, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[name], value)


def replace_seed(cfg: TrainConfig, seed: int) -> TrainConfig:
    import dataclasses

    return dataclasses.replace(cfg, seed=seed)


def test_demo_batch_single_objects_and_caption_augmentation(tmp_path):
    import numpy as np

    from pyratok.train import demo_batch

    cfg = tiny_train_config(tmp_path, batch_size=6, single_object_fraction=1.0,
                            caption_augment=1.0)
    video, texts = demo_batch(np.random.default_rng(0), cfg)
    assert video.shape == (6, 3, 9, 32, 32)
    assert all(" and " not in t for t in texts)  # one object: no joined phrases
    plain = tiny_train_config(tmp_path, batch_size=6)
    _, captions = demo_batch(np.random.default_rng(0), plain)
    assert all(" background" in c for c in captions)  # generator captions name it
