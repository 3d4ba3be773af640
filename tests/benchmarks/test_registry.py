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


def test_legacy_pyratok_group_is_read_with_a_deprecation_warning(monkeypatch):
    """A package still registering under ``pyratok.tasks`` (the old name of the family
    group) keeps working for one release; the warning names the new group."""
    new = [EntryPoint(name="new_family", value="math:hypot", group="benchmarks.families")]
    old = [EntryPoint(name="old_family", value="math:floor", group="pyratok.tasks")]
    groups = {"benchmarks.families": new, "pyratok.tasks": old}
    monkeypatch.setattr("benchmarks.registry.entry_points", lambda group: groups.get(group, []))
    reg: Registry = Registry("task family", entry_point_group="benchmarks.families")
    with pytest.warns(DeprecationWarning, match=r"'old_family'.*'pyratok\.tasks'.*"
                                                r"register it under 'benchmarks\.families'"):
        assert reg.names() == ["new_family", "old_family"]
    import math

    assert reg.get("old_family") is math.floor
    assert reg.is_plugin("old_family") and reg.is_plugin("new_family")


def test_new_group_alone_warns_nothing(monkeypatch, recwarn):
    eps = [EntryPoint(name="tok", value="math:hypot", group="benchmarks.tokenizers")]
    monkeypatch.setattr("benchmarks.registry.entry_points",
                        lambda group: eps if group == "benchmarks.tokenizers" else [])
    reg: Registry = Registry("tokenizer", entry_point_group="benchmarks.tokenizers")
    reg.add_lazy("builtin", "math:sqrt")
    assert reg.names() == ["builtin", "tok"]
    assert reg.is_plugin("tok") and not reg.is_plugin("builtin")
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_every_legacy_group_maps_onto_a_declared_group():
    from benchmarks.registry import LEGACY_GROUPS, PLUGIN_GROUPS

    assert set(LEGACY_GROUPS) <= set(PLUGIN_GROUPS)
    assert all(old.startswith("pyratok.") for old in LEGACY_GROUPS.values())


def test_about_is_known_without_importing():
    reg: Registry = Registry("thing")
    reg.add_lazy("a", "no_such_module_anywhere:f", about="what a is")
    reg.register("b", about="what b is")(len)
    assert reg.about("a") == "what a is" and reg.about("b") == "what b is"
    assert not reg.is_loaded("a")  # about read no module
