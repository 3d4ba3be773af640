"""The generic registry: lazy entries, duplicates, did-you-mean, entry-point plug-ins."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint

import pytest

from benchmarks.registry import Registry, RegistryError


def test_register_and_get():
    reg: Registry = Registry("thing")

    @reg.register("my_thing")
    def make() -> int:
        return 3

    assert reg.get("my_thing") is make
    assert reg.names() == ["my_thing"]


def test_duplicate_is_an_error():
    reg: Registry = Registry("thing")
    reg.add_lazy("a", "math:sqrt")
    with pytest.raises(RegistryError, match="already registered"):
        reg.add_lazy("a", "math:floor")
    with pytest.raises(RegistryError, match="already registered"):
        reg.register("a")(len)


def test_unknown_name_suggests_close_matches():
    reg: Registry = Registry("tokenizer")
    reg.add_lazy("cogvideox", "math:sqrt")
    with pytest.raises(RegistryError, match=r"did you mean 'cogvideox'"):
        reg.get("cogvidex")


def test_bad_name_rejected():
    reg: Registry = Registry("thing")
    with pytest.raises(ValueError, match="lower-case"):
        reg.add_lazy("Bad Name", "math:sqrt")


def test_lazy_entry_imports_only_on_use():
    reg: Registry = Registry("thing")
    reg.add_lazy("colorsys_fn", "colorsys:rgb_to_hsv")
    sys.modules.pop("colorsys", None)
    assert not reg.is_loaded("colorsys_fn")
    assert "colorsys" not in sys.modules
    fn = reg.get("colorsys_fn")
    assert fn.__name__ == "rgb_to_hsv" and reg.is_loaded("colorsys_fn")


def test_entry_point_plugins(monkeypatch):
    eps = [EntryPoint(name="plugin_tok", value="math:hypot", group="test.group")]
    monkeypatch.setattr(
        "benchmarks.registry.entry_points", lambda group: eps if group == "test.group" else []
    )
    reg: Registry = Registry("thing", entry_point_group="test.group")
    assert "plugin_tok" in reg.names()
    import math

    assert reg.get("plugin_tok") is math.hypot


def test_plugin_clash_with_builtin_is_an_error(monkeypatch):
    eps = [EntryPoint(name="a", value="math:hypot", group="g")]
    monkeypatch.setattr("benchmarks.registry.entry_points", lambda group: eps)
    reg: Registry = Registry("thing", entry_point_group="g")
    reg.add_lazy("a", "math:sqrt")
    with pytest.raises(RegistryError, match="already registered"):
        reg.names()


def test_importing_benchmarks_is_light():
    """Start-up must not import torch-heavy optional stacks."""
    import subprocess

    code = (
        "import sys, benchmarks; benchmarks.list_tokenizers(); benchmarks.list_tasks();"
        "heavy = [m for m in ('diffusers', 'transformers', 'decord', 'av', 'torch') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
