"""The checkout plug-in template (``examples/checkout-tokenizer``) on a stand-in checkout.

``tests/fixtures/checkout_standin`` plays a user's clone of a tokenizer repository (a toy
causal discrete tokenizer and its glue ``load``); each test copies it to a temporary folder,
saves a checkpoint beside it, and calls the template's factory with ``path=`` to the copy,
as the harness would through the template's entry point. Nothing is installed; the CLI test
declares the entry point with a ``.dist-info`` folder (as ``test_plugin_example`` does).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import torch

from benchmarks.tokenizers.base import Encoded
from tests.helpers.paths import REPO
from tests.helpers.tokenizer_contract import check_round_trip

TEMPLATE = REPO / "examples" / "checkout-tokenizer"
STANDIN = REPO / "tests" / "fixtures" / "checkout_standin"
LOADER = "toytok.api:load"


@pytest.fixture
def wrapper(monkeypatch):
    """The template's wrapper module; sys.path and the stand-in's modules are restored after."""
    monkeypatch.setattr(sys, "path", [str(TEMPLATE), *sys.path])
    yield importlib.import_module("checkout_tokenizer.wrapper")
    for name in [m for m in sys.modules if m == "toytok" or m.startswith("toytok.")]:
        del sys.modules[name]


@pytest.fixture
def checkout(tmp_path) -> tuple[Path, Path]:
    """``(path, checkpoint)``: a copy of the stand-in checkout and its weights."""
    path = shutil.copytree(STANDIN, tmp_path / "toytok-repo")
    checkpoint = tmp_path / "toytok.pt"
    torch.save({"levels": torch.tensor(4)}, checkpoint)
    return path, checkpoint


def create(wrapper, checkout, **changes):
    path, checkpoint = checkout
    args = {"path": str(path), "checkpoint": str(checkpoint), "loader": LOADER,
            "name": "toytok", **changes}
    return wrapper.create_checkout_tokenizer(**args)


def test_wrapped_checkout_meets_the_tokenizer_contract(wrapper, checkout):
    tok = create(wrapper, checkout)
    spec = tok.spec
    assert type(tok.model).__module__ == "toytok.api"
    assert Path(sys.modules["toytok.api"].__file__).is_relative_to(checkout[0])
    assert spec.name == "toytok" and spec.vocab_size == 64 and spec.bits_per_token == 6
    assert (spec.spatial_compression, spec.temporal_compression) == (2, 2)
    assert spec.frame_convention == "causal" and spec.n_params == 1
    assert spec.capabilities == {"decode", "features", "bits"}
    assert tok.weight_files() == [checkout[1]] and spec.weights == str(checkout[1])
    check_round_trip(tok, (5, 16, 16))


def test_ragged_clip_is_padded_and_cropped_by_hand(wrapper, checkout):
    tok = create(wrapper, checkout)
    video = torch.rand(1, 3, 6, 13, 15) * 2 - 1  # pads to 7 frames (2k + 1) of 14 x 16
    encoded = tok.encode(video)
    assert encoded.indices[0].shape == (1, 4, 7, 8)  # steps: frame 0, then 3 pairs
    assert encoded.bits.tolist() == [6.0 * 4 * 7 * 8]
    assert tok.decode(encoded).shape == video.shape
    # the valid grid: 1 + ceil(5 / 2) = 4 steps, ceil(13 / 2) x ceil(15 / 2) cells
    assert tok.features(video).features.shape == (1, 3, 4, 7, 8)


def test_constant_clip_codes_and_decodes_by_hand(wrapper, checkout):
    tok = create(wrapper, checkout)
    # R, G, B = -1, 1/3, 1 -> codes 0, round(2/3 * 3) = 2, 3 -> id (0 * 4 + 2) * 4 + 3 = 11
    video = torch.tensor([-1.0, 1 / 3, 1.0]).view(1, 3, 1, 1, 1).expand(1, 3, 3, 4, 4)
    encoded = tok.encode(video.contiguous())
    assert encoded.indices[0].unique().tolist() == [11]
    out = tok.decode(encoded)
    torch.testing.assert_close(out, video)


def test_generated_ids_decode_as_encoded_ones(wrapper, checkout):
    tok = create(wrapper, checkout)
    encoded = tok.encode(torch.rand(2, 3, 5, 8, 8) * 2 - 1)
    from_ids = tok.decode(Encoded(features=[torch.zeros(0)], indices=encoded.indices,
                                  bits=None, num_frames=5, frame_size=(8, 8)))
    from_latent = tok.decode(Encoded(features=encoded.features, indices=None, bits=None,
                                     num_frames=5, frame_size=(8, 8)))
    assert torch.equal(from_ids, from_latent)


# a user's mistakes: one error naming it ------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"path": "/no/such/checkout"}, FileNotFoundError,
         r"checkout folder /no/such/checkout does not exist; path= must be your clone"),
        ({"checkpoint": "/no/such.pt"}, FileNotFoundError,
         r"checkpoint /no/such.pt does not exist; checkpoint= must be the weights"),
        ({"loader": "toytok.api.load"}, ValueError, r"must read 'module:callable'"),
        ({"loader": "omnitokenizer.api:load"}, ValueError,
         r"'omnitokenizer.api' does not import with .* on sys.path \(ModuleNotFoundError.*"
         r"path= must be the folder that holds omnitokenizer/"),
        ({"loader": "toytok.api:build"}, ValueError, r"toytok.api' .* has no callable 'build'"),
        ({"loader": "toytok.api:load_without_decoder"}, ValueError,
         r"returned a Half without decode_latent, ids_to_latent"),
    ],
    ids=["path", "checkpoint", "loader-form", "module", "callable", "glue-members"],
)
def test_mistakes_are_named(wrapper, checkout, changes, error, match):
    with pytest.raises(error, match=match):
        create(wrapper, checkout, **changes)


def test_shape_off_the_declared_geometry_is_named(wrapper, checkout):
    tok = create(wrapper, checkout, loader="toytok.api:load_wrong_geometry")
    with pytest.raises(ValueError, match=r"encode's latent has shape \(1, 3, 3, 4, 4\), "
                       r"expected \(1, 3, 3, 2, 2\)"):
        tok.encode(torch.zeros(1, 3, 5, 8, 8))


def test_a_module_of_the_same_name_from_elsewhere_is_refused(wrapper, checkout, tmp_path):
    create(wrapper, checkout)  # toytok is now imported from the first copy
    other = shutil.copytree(STANDIN, tmp_path / "second-clone")
    with pytest.raises(ValueError, match=f"{other} has its own 'toytok', but 'toytok' is "
                       "already imported from"):
        create(wrapper, (other, checkout[1]))


# through the CLI, as an installed entry point -------------------------------------------------


def declare_template(site: Path) -> Path:
    """A ``.dist-info`` folder declaring the template's entry points from its pyproject."""
    project = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\n"
                                   f"Version: {project['version']}\n", encoding="utf-8")
    groups = [f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items())
              for group, entries in project["entry-points"].items()]
    (info / "entry_points.txt").write_text("\n".join(groups), encoding="utf-8")
    return site


@pytest.mark.slow  # two CLI subprocesses, one a (tiny) COCO demo run
def test_cli_runs_the_wrapped_checkout_and_names_a_bad_path(checkout, tmp_path):
    path, checkpoint = checkout
    site = declare_template(tmp_path / "site")
    pythonpath = [str(site), str(TEMPLATE), str(REPO), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in pythonpath if p),
           "PYRATOK_CACHE": str(tmp_path / "cache")}
    args = [sys.executable, "-m", "benchmarks", "run", "--task", "coco", "--tokenizer",
            "checkout", "--tokenizer-arg", f"checkpoint={checkpoint}", "--tokenizer-arg",
            f"loader={LOADER}", "--output", str(tmp_path / "out"), "--no-progress",
            "--task-arg", "resize_shorter=32", "--task-arg", "crop=32",
            "--task-arg", "lpips=false"]
    bad = subprocess.run([*args, "--tokenizer-arg", f"path={tmp_path / 'nope'}"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, check=False)
    lines = [x for x in bad.stderr.strip().splitlines() if not x.startswith(("INFO", "WARNING"))]
    assert bad.returncode == 2 and len(lines) == 1, bad.stderr
    assert f"checkout folder {tmp_path / 'nope'} does not exist" in lines[0]
    done = subprocess.run([*args, "--tokenizer-arg", f"path={path}"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    summary = json.loads(next((tmp_path / "out" / "coco").glob("*/summary.json")).read_text())
    assert summary["demo_data"] and summary["n_failed"] == 0 and summary["n_samples"] > 0
    assert summary["tokenizer_spec"]["vocab_size"] == 64
