"""Readers of files a user or a crash can corrupt: only their documented outcome, ever.

``read_jsonl`` yields dicts and never raises; a store cut at any byte loses only the cut
record; ``read_yaml`` / ``load_task`` either succeed or raise ``ConfigError``, which the
CLI turns into one line and exit 2, never a traceback or a hang.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import typing
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.config import COMMON_KEYS, ConfigError, TaskConfig, load_task, read_yaml
from benchmarks.families.reconstruction.family import ReconstructionParams
from benchmarks.io.jsonfile import dumps
from benchmarks.store import FAILURES, SAMPLES, ResultStore, RunRecord, read_jsonl
from tests.helpers.paths import REPO

BASE = {"task": "t", "family": "reconstruction", "dataset": "webvid"}
PARAM_KEYS = frozenset(ReconstructionParams.__dataclass_fields__)

# Deterministic (STYLE: fixed seeds) and no example database left in the repository.
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


# helpers


@contextmanager
def _no_hang(seconds: int = 10):
    """Turn a hang (an unbounded alias expansion) into a failure instead of a stuck suite."""

    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _load(text: str, *, demo: bool = False, overrides: dict | None = None) -> None:
    """``load_task`` on ``text``: a ConfigError is fine, anything else propagates."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "task.yaml"
        path.write_text(text, encoding="utf-8")
        with suppress(ConfigError):
            read_yaml(path)
        with suppress(ConfigError):
            load_task(path, params_cls=ReconstructionParams, overrides=overrides, demo=demo)


def _int_keys() -> list[str]:
    """Every task/param key annotated ``int`` (or ``int | None``)."""
    keys = []
    for cls in (TaskConfig, ReconstructionParams):
        for key, hint in typing.get_type_hints(cls).items():
            if hint is int or (int in typing.get_args(hint) and bool not in typing.get_args(hint)):
                keys.append(key)
    return sorted(set(keys) & (COMMON_KEYS | PARAM_KEYS))


# strategies

_scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**63)
            | st.floats(allow_nan=False) | st.text(max_size=8))
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)
records = st.fixed_dictionaries(
    {"sample_id": st.text(min_size=1, max_size=6),
     "metrics": st.dictionaries(st.text(max_size=5), st.floats(allow_nan=False), max_size=3)},
    optional={"path": st.text(max_size=10), "prediction": json_values,
              "group": st.one_of(st.none(), st.text(max_size=5))},
)
jsonl_lines = st.one_of(
    st.binary(max_size=40),
    json_values.map(lambda v: json.dumps(v).encode()),
    records.map(lambda r: json.dumps(r).encode()),
    records.map(lambda r: json.dumps(r).encode()).flatmap(
        lambda b: st.integers(0, len(b)).map(lambda i: b[:i])),  # a cut record
)

# YAML-able values, NaN and infinities included; keys of every kind YAML allows.
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)
yaml_keys = st.one_of(
    st.sampled_from(sorted(COMMON_KEYS | PARAM_KEYS)),
    st.text(max_size=6),
    st.integers(-3, 3), st.booleans(), st.none(), st.floats(allow_nan=False),
)
# Fragments of YAML syntax, so random text reaches the constructor, not only the scanner.
_FRAGMENTS = [
    "task: t", "family: reconstruction", "dataset: webvid", "frames_per_clip:", "crop:",
    "demo_overrides:", "paper_columns:", "description:", "x:", "1:", "2020-01-01:", "null:",
    "? [a]", "? {a: 1}", " ", "  ", "\n", "- ", "[", "]", "{", "}", ",", ":", "&a ", "*a",
    "<<: *a", "!!binary aGk=", "!!set {a}", "!!python/object:os.system", "!!omap [a: 1]",
    "1", "-2", "2.7", ".nan", ".inf", "true", "~", "'q'", '"q"', "#", "|\n  x", "---", "...",
    "%YAML 1.1\n", "\t", "\x00", "é",
]
yaml_texts = st.one_of(
    st.lists(st.sampled_from(_FRAGMENTS), max_size=25).map("".join),
    st.text(max_size=60),
)


# read_jsonl


@pytest.mark.slow
@FUZZ
@given(st.binary(max_size=300))
def test_read_jsonl_on_arbitrary_bytes_yields_only_dicts(data):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / SAMPLES
        path.write_bytes(data)
        assert all(isinstance(r, dict) for r in read_jsonl(path))


@pytest.mark.slow
@FUZZ
@given(st.lists(st.tuples(st.booleans(), records, jsonl_lines), max_size=8),
       st.sampled_from([b"\n", b"\r\n"]))
def test_read_jsonl_yields_every_whole_record_among_noise(lines, sep):
    """Each whole record line comes back, in order, whatever lines surround it."""
    chunks = [json.dumps(r).encode() if whole else noise for whole, r, noise in lines]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / SAMPLES
        path.write_bytes(sep.join(chunks))
        got = list(read_jsonl(path))
    assert all(isinstance(r, dict) for r in got)
    want = iter(got)  # the records must be a subsequence of what was read
    for whole, r, _ in lines:
        if whole:
            assert json.loads(json.dumps(r)) in want


@pytest.mark.parametrize(
    "line",
    [b"[" * 100_000, b'{"a": ' + b"[" * 100_000, b"1" * 5000, b'{"psnr": ' + b"9" * 5000 + b"}"],
    ids=["deep-array", "deep-in-record", "huge-int", "huge-int-in-record"],
)
def test_read_jsonl_skips_lines_json_cannot_parse(tmp_path, line):
    """Nesting past the recursion limit, an int past 4300 digits: malformed lines too."""
    path = tmp_path / SAMPLES
    path.write_bytes(b'{"sample_id": "a"}\n' + line + b'\n{"sample_id": "b"}\n')
    assert [r["sample_id"] for r in read_jsonl(path)] == ["a", "b"]


def test_read_jsonl_skips_an_endless_line_in_bounded_memory(tmp_path, monkeypatch):
    """A line over the per-record bound is skipped a bounded chunk at a time (never read
    whole), and the records after it are read."""
    import benchmarks.store

    monkeypatch.setattr(benchmarks.store, "SMALL_BYTES", 100)
    path = tmp_path / SAMPLES
    path.write_bytes(b'{"sample_id": "a"}\n{"x": "' + b"z" * 1000 + b'"}\n{"sample_id": "b"}\n'
                     + b"y" * 250)
    assert [r["sample_id"] for r in read_jsonl(path)] == ["a", "b"]


# a store cut at any byte


def _stored(record: dict, name: str) -> typing.Any:
    """What the store takes: a sample as a ``RunRecord``, a failure as its dict."""
    return RunRecord.from_dict(record) if name == SAMPLES else record


def _line(record: dict, name: str) -> dict:
    return RunRecord.from_dict(record).to_dict() if name == SAMPLES else record


@pytest.mark.slow
@FUZZ
@given(first=st.lists(records, min_size=1, max_size=6),
       more=st.lists(records, min_size=1, max_size=4),
       which=st.sampled_from([(SAMPLES, "add_sample"), (FAILURES, "add_failure")]),
       data=st.data())
def test_a_cut_at_any_byte_loses_only_the_cut_record(first, more, which, data):
    name, add = which
    with tempfile.TemporaryDirectory() as d:
        run_dir = Path(d)
        with ResultStore(run_dir, config_hash="h") as store:
            for r in first:
                getattr(store, add)(_stored(r, name))
        path = run_dir / name
        full = path.read_bytes()
        cut = data.draw(st.integers(0, len(full)), label="cut")
        path.write_bytes(full[:cut])
        survivors, offset = [], 0
        for record, line in zip(first, full.split(b"\n"), strict=False):
            if offset + len(line) <= cut:  # every byte of the record (its newline aside)
                survivors.append(record)
            offset += len(line) + 1
        with ResultStore(run_dir, config_hash="h") as store:
            for r in more:
                getattr(store, add)(_stored(r, name))
            stored = store.samples() if name == SAMPLES else store.failures()
        got = list(read_jsonl(path))
    # as the store writes them: strict JSON, a non-finite float as "inf" / "-inf" / "nan"
    want = [json.loads(dumps({**_line(r, name), "config_hash": "h"}))
            for r in survivors + more]
    assert got == want
    assert set(stored) == {r["sample_id"] for r in survivors + more}


# read_yaml / load_task


@FUZZ
@given(yaml_texts, st.booleans())
def test_any_text_is_a_task_or_a_config_error(text, demo):
    _load(text, demo=demo)


@pytest.mark.slow
@FUZZ
@given(st.dictionaries(yaml_keys, yaml_values, max_size=5),
       st.dictionaries(st.sampled_from(sorted(COMMON_KEYS | PARAM_KEYS)) | st.text(max_size=4),
                       yaml_values, max_size=2),
       st.booleans())
def test_any_mapping_merged_into_a_task_is_a_task_or_a_config_error(extra, overrides, demo):
    text = yaml.safe_dump({**BASE, **extra}, sort_keys=False, allow_unicode=True)
    _load(text, demo=demo, overrides=overrides)


@pytest.mark.parametrize(
    "text",
    ["1: x\nfoo: y\n", "2020-01-01: x\nfoo: y\n", "null: x\n1: y\n", "!!binary aGk=: x\nfoo: y\n"],
    ids=["int-and-str", "date-and-str", "null-and-int", "bytes-and-str"],
)
def test_unknown_keys_of_mixed_types_are_a_config_error(tmp_path, text):
    path = tmp_path / "task.yaml"
    path.write_text("task: t\nfamily: reconstruction\ndataset: webvid\n" + text)
    with pytest.raises(ConfigError, match="unknown key") as info:
        load_task(path, params_cls=ReconstructionParams)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("text", ["a: " + "[" * 5000 + "]" * 5000, "{a: " * 5000 + "}" * 5000],
                         ids=["deep-list", "deep-map"])
def test_deep_nesting_is_a_config_error(tmp_path, text):
    """10 KB of brackets, far under the size cap, is a bad file, not a RecursionError."""
    path = tmp_path / "task.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=str(path)):
        read_yaml(path)


@pytest.mark.parametrize("key", _int_keys())
@pytest.mark.parametrize("value", ["true", "2.7", '"abc"'])
def test_a_non_int_for_an_int_key_names_the_key_and_the_file(tmp_path, key, value):
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(BASE) + f"{key}: {value}\n")
    with pytest.raises(ConfigError) as info:
        load_task(path, params_cls=ReconstructionParams)
    assert str(path) in str(info.value) and f"{key}: expected int" in str(info.value)


def test_the_int_keys_include_the_sampling_ones():
    assert {"frames_per_clip", "frame_stride", "batch_size", "crop"} <= set(_int_keys())


# YAML bombs


def _bomb(kind: str, *, levels: int = 8, fanout: int = 10) -> str:
    """A billion-laughs task file: ``levels`` anchors, each referencing the last ``fanout``×."""
    lines = [*(f"{k}: {v}" for k, v in BASE.items()), "description:"]
    lines.append('  l0: &l0 {a: "lol"}' if kind == "merge" else '  l0: &l0 "lol"')
    for i in range(1, levels + 1):
        refs = [f"*l{i - 1}"] * fanout
        if kind == "sequence":
            body = f"[{', '.join(refs)}]"
        elif kind == "mapping":
            body = "{" + ", ".join(f"k{j}: {r}" for j, r in enumerate(refs)) + "}"
        else:  # merge keys: each level merges the previous mapping ten times
            body = "{<<: [" + ", ".join(refs) + f"], b{i}: x}}"
        lines.append(f"  l{i}: &l{i} {body}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("kind", ["sequence", "mapping", "merge"])
def test_an_alias_bomb_is_a_config_error(tmp_path, kind):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(kind))
    assert len(path.read_bytes()) < 2000  # tiny on disk
    with _no_hang(10), pytest.raises(ConfigError, match="YAML bomb") as info:
        read_yaml(path)
    assert str(path) in str(info.value)


def test_a_bomb_just_under_the_cap_still_loads(tmp_path):
    """The cap counts expanded nodes: 10**4 laughs (about 11k nodes) is an ordinary file."""
    path = tmp_path / "ok.yaml"
    path.write_text(_bomb("sequence", levels=4))
    with _no_hang(10):
        raw = read_yaml(path)
    assert len(raw["description"]["l4"]) == 10 and raw["description"]["l0"] == "lol"


@pytest.mark.slow
def test_list_with_a_bomb_on_the_include_path_exits_2(tmp_path):
    (tmp_path / "bomb.yaml").write_text(_bomb("sequence"))
    code = "import sys; from benchmarks.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "list", "--include-path", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "bomb.yaml") in lines[0], done.stderr
