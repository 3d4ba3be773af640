"""One ``find_task``, one ``build_family``, and each task YAML read once per run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import config
from benchmarks.cli import main
from benchmarks.config import ConfigError, find_task, task_files
from tests.helpers.datasets import write_webvid
from tests.helpers.paths import REPO

PACKAGE = REPO / "benchmarks"


def test_find_task_gives_the_file_its_name_and_its_mapping():
    found = find_task("webvid")
    assert found.name == "webvid" and found.path.name == "webvid.yaml"
    assert found.family == "reconstruction" and found.raw["dataset"] == "webvid"


def test_an_unknown_task_suggests_the_closest_names_and_lists_the_known_ones():
    with pytest.raises(ConfigError) as err:
        find_task("webvd")
    text = str(err.value)
    assert text.startswith("unknown task 'webvd'; did you mean 'webvid'")  # first, closest
    assert all(name in text for name in task_files())


def test_a_task_file_without_a_family_names_the_file(tmp_path):
    (tmp_path / "nofamily.yaml").write_text("task: nofamily\ndataset: webvid\n")
    task = find_task("nofamily", [tmp_path])
    with pytest.raises(ConfigError, match=re.escape(f"{tmp_path / 'nofamily.yaml'}: missing "
                                                    "required key 'family'")):
        task.family  # noqa: B018


@pytest.mark.parametrize("command", [["run", "--tokenizer", "identity"],
                                     ["score", "--annotations", "a", "--predictions", "p"]])
def test_an_unknown_task_is_one_line_and_exit_2_through_the_cli(command, capsys):
    assert main([*command, "--task", "kinetics4000"]) == 2
    err = capsys.readouterr().err.strip()
    assert "did you mean 'kinetics400'" in err and len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_a_run_reads_its_task_yaml_once(tmp_path, monkeypatch, capsys):
    """Discovery reads each file once; the run parses that mapping, never the file again
    (it used to be read three times: discovery, the family's name, the typed config)."""
    write_webvid(tmp_path / "data", n=1)
    task = find_task("webvid").path
    reads: list[Path] = []
    real = config.read_text  # the one reader of task files (benchmarks.io.regular's)

    def counted(path: Path, *args, **kwargs) -> str:
        if Path(path).resolve() == task.resolve():
            reads.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(config, "read_text", counted)
    code = main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(tmp_path / "data"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--num-workers", "0", "--task-arg", "resize_shorter=32",
                 "--task-arg", "crop=32"])
    assert code == 0, capsys.readouterr().err
    # --task-arg asks expand_sweep to look up the family's sweeps: one more lookup
    assert len(reads) == 2
    reads.clear()
    code = main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(tmp_path / "data"), "--output", str(tmp_path / "out2"), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    assert len(reads) == 1


def test_a_family_is_built_in_one_place():
    """``build_family`` in the runner's plan is the one constructor call of a family."""
    callers = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                     if "family_cls(" in p.read_text(encoding="utf-8"))
    assert callers == ["runner/plan.py"]
