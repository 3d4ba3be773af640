"""Task YAML parsing: unknown keys fail naming the key; overrides; discovery."""

from __future__ import annotations

import sys

import pytest

from benchmarks.config import (
    ConfigError,
    discover_tasks,
    load_task,
    parse_key_values,
    read_yaml,
)
from benchmarks.families.reconstruction.family import ReconstructionParams


def test_builtin_tasks_parse():
    tasks = discover_tasks()
    assert {"webvid", "coco"} <= set(tasks)
    config, params = load_task(tasks["webvid"], params_cls=ReconstructionParams)
    assert (config.frames_per_clip, config.resize_shorter, config.crop) == (17, 256, 256)
    assert params.data_range == 1.0


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("task: t\nfamily: reconstruction\ndataset: webvid\nframes_per_clp: 3\n")
    with pytest.raises(ConfigError, match=r"t\.yaml: unknown key 'frames_per_clp'"):
        load_task(path, params_cls=ReconstructionParams)


def test_override_and_bad_value(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("task: t\nfamily: reconstruction\ndataset: webvid\n")
    config, _ = load_task(path, params_cls=ReconstructionParams, overrides={"crop": 128})
    assert config.crop == 128
    with pytest.raises(ConfigError, match="unknown key 'nope'"):
        load_task(path, params_cls=ReconstructionParams, overrides={"nope": 1})


def test_yaml_is_safe_loaded(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("task: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_task(path, params_cls=None)


def test_include_path_adds_user_tasks(tmp_path):
    (tmp_path / "mine.yaml").write_text("task: mine\nfamily: reconstruction\ndataset: coco\n")
    assert "mine" in discover_tasks([tmp_path])
    with pytest.raises(ConfigError, match="not a folder"):
        discover_tasks([tmp_path / "missing"])


def test_key_values_are_typed():
    assert parse_key_values(["a=3", "b=true", "c=x/y", "d=0.5"], flag="--x") == {
        "a": 3,
        "b": True,
        "c": "x/y",
        "d": 0.5,
    }
    with pytest.raises(ConfigError, match="--x 'oops': expected KEY=VALUE"):
        parse_key_values(["oops"], flag="--x")


def test_tasks_folder_is_not_an_importable_package():
    """tasks/ is data found by path: no __init__.py, not listed as a wheel package."""
    import tomllib

    from benchmarks.config import builtin_task_dirs

    root = builtin_task_dirs()[0]
    assert not (root / "__init__.py").exists()
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "tasks" not in wheel["packages"]
    assert wheel["force-include"]["tasks"] == "benchmarks/_tasks"


def _task_plugin(monkeypatch, tmp_path, files: dict[str, str], value: str = "plug_tasks"):
    """Install a ``benchmarks.tasks`` entry point naming a package ``plug_tasks`` in tmp_path."""
    from importlib.metadata import EntryPoint

    package = tmp_path / "plug_tasks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, text in files.items():
        (package / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "plug_tasks", raising=False)  # each test's own folder
    eps = [EntryPoint(name="plug", value=value, group="benchmarks.tasks")]
    monkeypatch.setattr("benchmarks.registry.entry_points",
                        lambda group: eps if group == "benchmarks.tasks" else [])


def test_plugin_task_folder_is_discovered(monkeypatch, tmp_path):
    _task_plugin(monkeypatch, tmp_path, {"mine.yaml": "task: my-task\nfamily: reconstruction\n"
                                                      "dataset: webvid\n"})
    tasks = discover_tasks()
    assert tasks["my-task"] == tmp_path / "plug_tasks" / "mine.yaml"
    assert "webvid" in tasks


def test_plugin_task_taking_a_builtin_name_is_an_error(monkeypatch, tmp_path):
    _task_plugin(monkeypatch, tmp_path, {"w.yaml": "task: webvid\nfamily: reconstruction\n"
                                                   "dataset: webvid\n"})
    with pytest.raises(ConfigError, match=r"plug-in plug = 'plug_tasks'.*task 'webvid' .*"
                                          r"already defined by .*webvid\.yaml"):
        discover_tasks()


def test_plugin_task_entry_must_name_a_package(monkeypatch, tmp_path):
    _task_plugin(monkeypatch, tmp_path, {}, value="plug_tasks:FOLDER")
    with pytest.raises(ConfigError, match="must name a package"):
        discover_tasks()


def test_a_task_file_edited_in_the_same_process_is_read_again(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("task: a\nfamily: reconstruction\n", encoding="utf-8")
    first = read_yaml(path)
    first["task"] = "changed by a caller"
    assert read_yaml(path)["task"] == "a"  # each caller its own copy
    path.write_text("task: b\nfamily: reconstruction\n", encoding="utf-8")
    assert read_yaml(path)["task"] == "b"
