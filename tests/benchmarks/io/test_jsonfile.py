"""The one JSON reader and writer: bounds, duplicate keys, one-line errors, strict output."""

from __future__ import annotations

import json
import math
import os

import pytest

from benchmarks.io import jsonfile
from benchmarks.io.jsonfile import (
    MAX_DEPTH,
    JsonFileError,
    as_float,
    dumps,
    finite_float,
    nesting_depth,
    number,
    parse_json,
    read_json,
)


def _refused(tmp_path, data: bytes | str, **kwargs) -> str:
    path = tmp_path / "in.json"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    with pytest.raises(JsonFileError) as info:
        read_json(path, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"a":' * 100_000 + "1" + "}" * 100_000,
                                  "[" * 100_000])
def test_deep_nesting_is_refused_before_the_decoder_recurses(tmp_path, text):
    assert "nested 100000 levels deep" in _refused(tmp_path, text)


def test_the_depth_bound_is_exact():
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, source="f") is not None
    with pytest.raises(JsonFileError, match=f"nested {MAX_DEPTH + 1} levels"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), source="f")


def test_a_recursion_error_of_the_decoder_is_one_line_too(monkeypatch):
    monkeypatch.setattr(jsonfile, "nesting_depth", lambda data: 0)
    with pytest.raises(JsonFileError, match="nested too deeply"):
        parse_json("[" * 100_000 + "]" * 100_000, source="f")


@pytest.mark.parametrize("text", ['["' + "[" * 500 + '"]', r'["\\", "[[[[[", "\"[[[["]',
                                  r'{"k\"[[[": "]]]]\\"}'])
def test_brackets_inside_strings_are_not_nesting(text):
    assert nesting_depth(text.encode()) <= 1
    assert parse_json(text, source="f") == json.loads(text)


def test_the_depth_is_counted_across_chunks(monkeypatch):
    monkeypatch.setattr(jsonfile, "_CHUNK", 7)
    assert nesting_depth(b"[[[[[[[[[[1]]]]]]]]]],[[[]]]") == 10
    assert nesting_depth(b"[" * 30 + b"]" * 30) == 30


@pytest.mark.parametrize(("text", "key"), [
    ('{"id": "a", "id": "b"}', "id"),
    ('{"results": {"v1": [], "v1": [{"score": 1}]}}', "v1"),
    ('[{"q1": "A"}, {"q2": "B", "q2": "C"}]', "q2"),
])
def test_a_duplicate_key_is_refused_by_name(tmp_path, text, key):
    assert f"duplicate key {key!r}" in _refused(tmp_path, text)


@pytest.mark.parametrize(("data", "expected"), [
    (b"\xff\xfe\x00garbage", "not UTF-8 text (byte 0"),
    (b'{"a": "\xc3"}', "not UTF-8 text (byte 7"),
    (b'{"a": [1, 2', "not valid JSON"),
    (b"", "not valid JSON"),
    (b"\x00\x01zzzz", "not valid JSON"),
    (b"[" + b"9" * 5000 + b"]", "not valid JSON"),  # over int's 4300-digit limit
])
def test_garbage_truncated_or_not_utf8_is_one_line(tmp_path, data, expected):
    assert expected in _refused(tmp_path, data)


def test_a_file_over_the_size_bound_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    with path.open("wb") as f:  # sparse: nothing is written
        f.truncate(jsonfile.MAX_BYTES + 1)
    monkeypatch.setattr(type(path), "read_bytes", lambda self: pytest.fail("read"))
    with pytest.raises(JsonFileError, match="over the .*-byte bound"):
        read_json(path)
    assert "over the 10-byte bound" in _refused(tmp_path, "[1, 2, 3, 4, 5]", max_bytes=10)


def test_an_unreadable_file_is_one_line(tmp_path):
    with pytest.raises(JsonFileError, match="cannot be read"):
        read_json(tmp_path / "absent.json")
    with pytest.raises(JsonFileError, match="cannot be read"):
        read_json(tmp_path)


@pytest.mark.parametrize(("value", "as_float_", "finite"), [
    (1, 1.0, 1.0), (2.5, 2.5, 2.5), (-0.0, -0.0, -0.0), (10**300, 1e300, 1e300),
    (math.inf, math.inf, None), (math.nan, "nan", None),
    (10**400, None, None), (-(10**400), None, None),  # valid JSON, no float holds it
    (True, None, None), (False, None, None), ("1.0", None, None), ("inf", None, None),
    (None, None, None), ([1.0], None, None), ({"a": 1}, None, None),
])
def test_a_json_number_is_an_int_or_float_a_float_can_hold(value, as_float_, finite):
    got = as_float(value)
    if as_float_ == "nan":
        assert math.isnan(got)
    else:
        assert got == as_float_ and (got is None) == (as_float_ is None)
    assert finite_float(value) == finite and (finite_float(value) is None) == (finite is None)


def test_a_byte_order_mark_and_old_files_bare_constants_are_read(tmp_path):
    path = tmp_path / "old.json"
    path.write_bytes(b'\xef\xbb\xbf{"psnr": Infinity, "x": NaN, "y": -Infinity}')
    data = read_json(path)
    assert data["psnr"] == math.inf and math.isnan(data["x"]) and data["y"] == -math.inf


def test_dumps_writes_strict_json_and_number_reads_it_back():
    value = {"psnr": math.inf, "lo": -math.inf, "x": math.nan, "ok": [1.5, {"n": math.nan}]}
    text = dumps(value, indent=1)

    def refuse(name: str) -> None:
        raise AssertionError(f"bare {name}")

    strict = json.loads(text, parse_constant=refuse)
    assert strict == {"psnr": "inf", "lo": "-inf", "x": "nan", "ok": [1.5, {"n": "nan"}]}
    back = {k: number(v) for k, v in strict.items()}
    assert back["psnr"] == math.inf and back["lo"] == -math.inf and math.isnan(back["x"])
    assert dumps({"a": 1.0}) == json.dumps({"a": 1.0})  # finite values: as json.dumps
    assert number("abc") == "abc" and number(None) is None


def test_a_real_sized_file_reads_as_json_loads_does(tmp_path):
    value = [{"video_id": i, "score": 0.5, "segmentations": [{"counts": "a\\b\"[c", "size":
              [4, 4]}, None]} for i in range(2000)]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(value))
    assert read_json(path) == value
    assert os.path.getsize(path) > 100_000
