"""Hostile JSON through the command line (issue 25, items 4, 6, 12): deep nesting,
duplicate keys, garbage bytes and a file over the size bound, as every family's ``score``
(ground truth and predictions), ``tables``, ``report``, ``check``, ``compare`` and
``merge`` read them.

Each case must end in exit 2 with exactly one line on stderr naming the file, no
traceback, within seconds and a bounded peak RSS, and write nothing. The cases run through
:mod:`tests.helpers.cli_cases` (one subprocess imports the harness once, then forks a
child per case). Two cases also run as ``python -m benchmarks`` from scratch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.child import run_benchmarks
from tests.helpers.cli_cases import Case, all_problems, tree
from tests.helpers.cli_cases import huge as _huge
from tests.helpers.cli_cases import write as _write

DEEP = b"[" * 100_000 + b"]" * 100_000
GARBAGE = b"\x00\x01zzzz\xff\xfe{"


# inputs ----------------------------------------------------------------------------------


def _kinds(dup: str) -> dict[str, tuple[bytes | str | None, str]]:
    """Hostile contents (``None``: the huge sparse file) and what the line must say."""
    return {"deep": (DEEP, "nested 100000 levels deep"),
            "dup": (dup, "duplicate key"),
            "garbage": (GARBAGE, "UTF-8"),  # "not UTF-8 text", or a text reader's codec
            "huge": (None, "-byte bound")}


def _hostile(path: Path, content: bytes | str | None) -> Path:
    return _huge(path) if content is None else _write(path, content)


ANET_GT = {"version": "VERSION 1.3", "database": {"v1": {
    "subset": "validation", "duration": 10.0,
    "annotations": [{"segment": [1.0, 4.0], "label": "Dancing"}]}}}
THUMOS_GT = {"database": {"video_test_0000001": {
    "subset": "test", "duration": 10.0,
    "annotations": [{"segment": [1.0, 4.0], "label": "BaseballPitch"}]}}}
VIS_GT = {"videos": [{"id": 1, "width": 4, "height": 4, "length": 1,
                      "file_names": ["v/0.jpg"]}],
          "categories": [{"id": 1, "name": "person"}],
          "annotations": [{"id": 1, "video_id": 1, "category_id": 1, "iscrowd": 0,
                           "segmentations": [{"size": [4, 4], "counts": [0, 16]}],
                           "areas": [16], "bboxes": [[0, 0, 4, 4]]}]}
VIS_DUP = ('[{"video_id": 1, "video_id": 2, "category_id": 1, "score": 0.5, '
           '"segmentations": [null]}]')
TAL_DUP = ('{"results": {"v1": [{"label": "Dancing", "score": 1.0, "segment": [1, 4]}], '
           '"v1": [{"label": "Dancing", "score": 1.0, "segment": [5, 9]}]}}')


def _score_cases(root: Path) -> list[Case]:
    """Per score task: a valid ground truth beside each hostile prediction file, and each
    hostile ground truth beside a valid prediction file."""
    kinetics = _write(root / "k400" / "val.csv", "label,youtube_id,time_start,time_end,split\n"
                      "c0,vid00000000abc,0,10,val\nc1,vid00000001abc,10,20,val\n")
    mvbench = root / "mvbench"
    _write(mvbench / "json" / "action_antonym.json",
           [{"video": "v.mp4", "question": "q?", "candidates": ["a", "b"], "answer": "a"}])
    tasks = {  # task: (ground truth, its duplicate-key form or None, a valid prediction file,
               #        the predictions' duplicate-key form)
        "kinetics400": (kinetics, None, {"vid00000000abc": "c0"},
                        '{"vid00000000abc": "c0", "vid00000000abc": "c1"}'),
        "activitynet": (_write(root / "anet" / "gt.json", ANET_GT),
                        '{"database": {"v1": {}, "v1": {}}}', {"results": {}}, TAL_DUP),
        "thumos14": (_write(root / "thumos" / "gt.json", THUMOS_GT),
                     '{"database": {}, "database": {}}', {"results": {}},
                     TAL_DUP.replace("v1", "video_test_0000001")),
        "mvbench": (mvbench, '[{"video": "a.mp4", "video": "b.mp4"}]',
                    {"action_antonym/0": "A"},
                    '{"action_antonym/0": "A", "action_antonym/0": "B"}'),
        "ytvis2021": (_write(root / "ytvis" / "gt.json", VIS_GT),
                      '{"videos": [], "videos": []}', [], VIS_DUP),
        "ovis": (_write(root / "ovis" / "gt.json", VIS_GT), '{"videos": [], "videos": []}',
                 [], VIS_DUP),
    }
    cases = []
    for task, (gt, gt_dup, good_pred, pred_dup) in tasks.items():
        good = _write(root / task / "good_pred.json", good_pred)
        out = str(root / "results" / task)  # --output: must stay absent
        for kind, (content, expect) in _kinds(pred_dup).items():
            bad = _hostile(root / task / f"pred_{kind}.json", content)
            cases.append(Case(f"score-{task}-predictions-{kind}",
                              ["score", "--task", task, "--annotations", str(gt),
                               "--predictions", str(bad), "--output", out], expect, str(bad)))
        if gt_dup is None:  # Kinetics' ground truth is CSV
            continue
        for kind, (content, expect) in _kinds(gt_dup).items():
            if task == "mvbench":  # a sub-task file of the json/ folder
                folder = root / task / f"gt_{kind}"
                bad = _hostile(folder / "json" / "action_antonym.json", content)
                given = folder
            else:
                bad = given = _hostile(root / task / f"gt_{kind}.json", content)
            cases.append(Case(f"score-{task}-annotations-{kind}",
                              ["score", "--task", task, "--annotations", str(given),
                               "--predictions", str(good), "--output", out], expect, str(bad)))
    return cases


GOOD_SUMMARY = {"schema_version": 2, "task": "webvid", "tokenizer": "identity",
                "run_name": "identity", "metrics": {"psnr": "inf"},
                "higher_is_better": {"psnr": True}, "n_samples": 1}


def _report_cases(root: Path) -> list[Case]:
    """``tables``, ``report``, ``compare``, ``merge`` on a hostile summary / shard.json and
    ``check`` on a hostile baseline; also the summary and baseline type errors of item 12."""
    good_runs = root / "good_runs"
    good_run = good_runs / "webvid" / "identity"
    _write(good_run / "summary.json", GOOD_SUMMARY)
    cases = []
    summary_dup = '{"task": "webvid", "task": "ucf101", "tokenizer": "x", "metrics": {}}'
    baseline_dup = '{"format": 1, "runs": {}, "runs": {}}'
    bad_summaries = {kind: v for kind, v in _kinds(summary_dup).items()}
    bad_summaries["string-metric"] = ({**GOOD_SUMMARY, "metrics": {"psnr": "20.1"}},
                                      "metrics.psnr: expected a number or null")
    bad_summaries["list-task"] = ({**GOOD_SUMMARY, "task": ["webvid"]}, "no 'task'")
    for kind, (content, expect) in bad_summaries.items():
        runs = root / f"runs_{kind}"
        bad_run = runs / "webvid" / "bad"
        if content is None:
            summary = _huge(bad_run / "summary.json")
        elif isinstance(content, dict):
            summary = _write(bad_run / "summary.json", content)
        else:
            summary = _hostile(bad_run / "summary.json", content)
        cases += [
            Case(f"tables-{kind}", ["tables", "--runs", str(runs)], expect, str(summary)),
            Case(f"report-{kind}", ["report", "--runs", str(runs), "--out",
                                    str(root / "site"), "--no-utilization"], expect,
                 str(summary)),
            Case(f"compare-{kind}", ["compare", str(good_run), str(bad_run), "--out",
                                     str(root / "cmp")], expect, str(bad_run)),
        ]
    bad_baselines = {kind: v for kind, v in _kinds(baseline_dup).items()}
    bad_baselines["metrics-entry"] = (
        {"format": 1, "runs": {"webvid/identity": {"metrics": {"psnr": 20.0}}}},
        "runs.webvid/identity.metrics.psnr: expected an object")
    bad_baselines["format"] = ({"format": "one", "runs": {}}, "format: expected 1")
    bad_baselines["tolerance"] = ({"format": 1, "runs": {}, "tolerances": {
        "metrics": {"psnr": {"abs": "0.1"}}}}, "tolerances.metrics.psnr.abs: expected")
    for kind, (content, expect) in bad_baselines.items():
        path = root / "baselines" / f"{kind}.json"
        baseline = _write(path, content) if isinstance(content, dict) else _hostile(path,
                                                                                    content)
        cases.append(Case(f"check-{kind}", ["check", "--runs", str(good_runs), "--baseline",
                                            str(baseline)], expect, str(baseline)))
    shard_dup = '{"shard": [0, 1], "shard": [0, 2]}'
    for kind, (content, expect) in _kinds(shard_dup).items():
        run = root / f"merge_{kind}" / "webvid" / "identity"
        shard = _hostile(run / "shards" / "0-of-1" / "shard.json", content)
        cases.append(Case(f"merge-{kind}", ["merge", str(run)], expect, str(shard)))
    return cases


def test_every_hostile_json_is_one_line_exit_2_and_writes_nothing(tmp_path):
    inputs = tmp_path / "in"
    cases = _score_cases(inputs) + _report_cases(inputs)
    before = tree(inputs)
    problems = all_problems(tmp_path, cases)
    assert not problems, "\n".join(problems)
    assert tree(inputs) == before  # no results/, site/, cmp/, summary or lock written
    assert {c.id.split("-")[0] for c in cases} == {"score", "tables", "report", "compare",
                                                    "check", "merge"}


@pytest.mark.slow
def test_python_m_benchmarks_from_scratch_on_deep_json(tmp_path):
    """The same refusal without the driver: a fresh interpreter, peak RSS of the child."""
    gt = _write(tmp_path / "gt.json", ANET_GT)
    pred = _write(tmp_path / "pred.json", DEEP)
    runs = tmp_path / "runs"
    summary = _write(runs / "webvid" / "deep" / "summary.json", DEEP)
    for argv, named in ((["score", "--task", "activitynet", "--annotations", str(gt),
                          "--predictions", str(pred)], pred),
                        (["tables", "--runs", str(runs)], summary)):
        done = run_benchmarks(argv, cwd=tmp_path, time_limit_s=60)
        lines = done.stderr.strip().splitlines()
        assert done.code == 2 and len(lines) == 1, done.stderr
        assert str(named) in lines[0] and "nested 100000 levels deep" in lines[0]
        # the harness imported plus nothing of the 200 KB file's depth; this child's own
        # peak (RUSAGE_CHILDREN would count every child the test process ever had)
        assert done.peak_rss_mib < 2048
