"""Hostile *values* inside well-formed files (issue 25): every ``score`` task's
predictions and ground truth, and the summaries, samples, ``shard.json`` and baselines
that ``tables``, ``report``, ``compare``, ``merge``, ``check`` and a resumed ``run`` read.

A number no float holds (``10**400`` is valid JSON; ``float()`` of it raised
``OverflowError``), a bool where a number belongs, a digit string past Python's
4300-digit limit, a key named twice in a CSV header, a record of wrong types: each ends in
exit 2 with one stderr line naming the file and the entry or key, within seconds and a
bounded peak RSS, with nothing written. What the official evaluators accept is kept and
scored (``external_data``, a segment past the video's duration, 10^5 predictions of one
video), and a tampered ``samples.jsonl`` record is recomputed, never counted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.cli import main
from tests.helpers.cli_cases import Case, all_problems, problems, run_cases, tree, write
from tests.helpers.datasets import write_webvid
from tests.hostile.test_json import ANET_GT, THUMOS_GT, VIS_GT

BIG = 10**400  # valid JSON; no float holds it
SMALL = ["--task-arg", "resize_shorter=16", "--task-arg", "crop=16",
         "--task-arg", "frames_per_clip=4", "--num-workers", "0", "--no-progress"]


def _raw(path: Path, text: str) -> Path:
    """JSON text as written (bare NaN, integers past the float range)."""
    return write(path, text)


def _tal(item: dict, vid: str = "v1", label: str = "Dancing") -> dict:
    return {"results": {vid: [{"label": label, "score": 0.5, "segment": [1.0, 4.0], **item}]}}


# score ------------------------------------------------------------------------------------


def _score(cid: str, task: str, gt: Path, pred: Path, expect: str, *, file: Path | None = None,
           code: int = 2, args: tuple[str, ...] = ()) -> Case:
    return Case(cid, ["score", "--task", task, "--annotations", str(gt), "--predictions",
                      str(pred), "--json", *args], expect, str(file or pred), code)


def _tal_cases(root: Path) -> list[Case]:
    gt = write(root / "anet" / "gt.json", ANET_GT)
    finite = "'segment' must be two finite numbers"
    preds = {
        "segment-bigint": (f'{{"results": {{"v1": [{{"label": "Dancing", "score": 0.5, '
                           f'"segment": [1, {BIG}]}}]}}}}', finite),
        "score-bigint": (f'{{"results": {{"v1": [{{"label": "Dancing", "score": {BIG}, '
                         f'"segment": [1, 4]}}]}}}}', "'score' must be a finite number"),
        "segment-nan": ('{"results": {"v1": [{"label": "Dancing", "score": 0.5, '
                        '"segment": [NaN, 4]}]}}', finite),
        "segment-three": (_tal({"segment": [1, 2, 3]}), finite),
        "segment-strings": (_tal({"segment": ["1", "4"]}), finite),
        "segment-reversed": (_tal({"segment": [4, 1]}), "is reversed"),
        "segment-negative": (_tal({"segment": [-1, 4]}), "starts before 0"),
        "score-bool": (_tal({"score": True}), "'score' must be a finite number"),
        "score-string": (_tal({"score": "0.5"}), "'score' must be a finite number"),
        "label-int": (_tal({"label": 3}), "'label' must be a non-empty string"),
        "label-unknown": (_tal({"label": "Flying"}), "unknown label 'Flying'"),
        "results-list": ({"results": []}, "results: missing, or not an object"),
        "videos-not-list": ({"results": {"v1": {"label": "Dancing"}}},
                            "expected a list of results"),
        "entry-not-object": ({"results": {"v1": [3]}}, "expected an object"),
        # ActivityNet's toolkit counts a result on a video outside the ground truth as a
        # false positive: here it is refused (the wrong subset or file, almost always)
        "unknown-video": (_tal({}, vid="zzz"), "video id not in subset 'validation'"),
    }
    cases = []
    for kind, (content, expect) in preds.items():
        path = root / "anet" / f"pred_{kind}.json"
        pred = _raw(path, content) if isinstance(content, str) else write(path, content)
        cases.append(_score(f"activitynet-predictions-{kind}", "activitynet", gt, pred, expect))
    good = write(root / "anet" / "good.json", _tal({}))
    video = ANET_GT["database"]["v1"]
    gts = {
        "duration-bigint": (f'{{"database": {{"v1": {{"subset": "validation", "duration": '
                            f'{BIG}, "annotations": []}}}}}}', "'duration' must be a number >= 0"),
        "duration-nan": ('{"database": {"v1": {"subset": "validation", "duration": NaN, '
                         '"annotations": []}}}', "'duration' must be a number >= 0"),
        "segment-bigint": (f'{{"database": {{"v1": {{"subset": "validation", "annotations": '
                           f'[{{"label": "Dancing", "segment": [0, {BIG}]}}]}}}}}}', finite),
        "subset-missing": ({"database": {"v1": {**video, "subset": None}}},
                           "'subset' must be a string"),
        "annotations-missing": ({"database": {"v1": {"subset": "validation"}}},
                                "'annotations' must be a list"),
        "empty-database": ({"database": {}}, "no annotated video"),
    }
    for kind, (content, expect) in gts.items():
        path = root / "anet" / f"gt_{kind}.json"
        bad = _raw(path, content) if isinstance(content, str) else write(path, content)
        cases.append(_score(f"activitynet-annotations-{kind}", "activitynet", bad, good, expect,
                            file=bad))
    thumos = write(root / "thumos" / "gt.json", THUMOS_GT)
    pred = _raw(root / "thumos" / "pred_bigint.json", json.dumps(_tal(
        {}, vid="video_test_0000001", label="BaseballPitch")).replace("4.0", str(BIG)))
    cases.append(_score("thumos14-predictions-segment-bigint", "thumos14", thumos, pred, finite))
    for kind, index in (("index-5000-digits", "9" * 5000), ("index-superscript", "\u00b2")):
        text = write(root / "thumos" / f"{kind}.txt", f"video_test_0000001 1 4 {index} 0.5\n")
        cases.append(_score(f"thumos14-predictions-{kind}", "thumos14", thumos, text,
                            "is not a THUMOS14 detection class"))
    return cases


def _accepted_cases(root: Path) -> list[Case]:
    """Inputs the official evaluators accept: scored, exit 0, the number on stdout."""
    gt = write(root / "ok" / "anet_gt.json", ANET_GT)
    right = {"label": "Dancing", "score": 0.9, "segment": [1.0, 4.0]}
    extra = write(root / "ok" / "external.json", {
        "version": 3, "external_data": {"used": True, "details": [1, {"x": None}]},
        "results": {"v1": [right]}})
    # the toolkit never compares a result with the video's duration: a segment past it
    # is one more (unmatched) result, ranked below the right one here
    past = write(root / "ok" / "past.json", {"results": {"v1": [
        right, {"label": "Dancing", "score": 0.1, "segment": [8.0, 300.0]}]}})
    many = write(root / "ok" / "many.json", {"results": {"v1": [right] + [
        {"label": "Dancing", "score": 0.5, "segment": [float(i % 7), i % 7 + 0.5]}
        for i in range(100_000)]}})
    kinetics = write(root / "ok" / "k400" / "val.csv", "label,youtube_id,time_start,time_end,"
                     "split\nc0,vid00000000abc,0,10,val\nc1,vid00000001abc,10,20,val\n")
    partial = write(root / "ok" / "k400_pred.json", {"vid00000000abc": ["c0", "c1"]})
    # a byte-order mark, CRLF, quoted fields, a quoted comma and an extra column (K600's
    # is_cc) are CSV as the official files and spreadsheets write it
    excel = root / "ok" / "k400_excel" / "val.csv"
    excel.parent.mkdir(parents=True)
    excel.write_bytes("\ufefflabel,youtube_id,time_start,time_end,split,is_cc\r\n"
                      '"c,0",vid00000000abc,0,10,val,1\r\n"c1","vid00000001abc","10","20",val,0'
                      "\r\n".encode())
    both = write(root / "ok" / "k400_both.json", {"vid00000000abc": "c,0",
                                                   "vid00000001abc": "c1"})
    vis = write(root / "ok" / "vis_gt.json", VIS_GT)
    null_masks = write(root / "ok" / "vis_many.json", [
        {"video_id": 1, "category_id": 1, "score": (i % 997) / 997, "segmentations": [None]}
        for i in range(100_000)])
    return [
        _score("activitynet-accepted-external-data", "activitynet", gt, extra,
               '"average_mAP": 100.0', code=0),
        _score("activitynet-accepted-segment-past-duration", "activitynet", gt, past,
               '"average_mAP": 100.0', code=0),
        _score("activitynet-accepted-1e5-predictions-of-one-video", "activitynet", gt, many,
               '"n_predictions": 100001', code=0),
        _score("kinetics400-accepted-a-missing-id-is-counted", "kinetics400", kinetics, partial,
               '"top1": 50.0, "top5": 50.0, "n_videos": 2, "n_missing": 1', code=0),
        _score("kinetics400-accepted-bom-crlf-quotes-extra-column", "kinetics400", excel, both,
               '"top1": 100.0, "top5": 100.0, "n_videos": 2, "n_missing": 0', code=0),
        _score("ytvis2021-accepted-1e5-null-masks", "ytvis2021", vis, null_masks,
               '"n_results": 100000', code=0),
    ]


def _other_score_cases(root: Path) -> list[Case]:
    cases = []
    question = {"video": "v.mp4", "question": "q?", "candidates": ["a", "b"], "answer": "a"}
    mvbench = root / "mvbench"
    write(mvbench / "good" / "json" / "action_antonym.json", [question])
    good_answers = write(mvbench / "answers.json", {"action_antonym/0": "A"})
    text = json.dumps([{**question, "start": 0, "end": 1}])
    bad = _raw(mvbench / "bigint" / "json" / "action_antonym.json",
               text.replace('"end": 1', f'"end": {BIG}'))
    cases.append(_score("mvbench-annotations-end-bigint", "mvbench", mvbench / "bigint",
                        good_answers, "'end' must be a number of seconds", file=bad))
    for kind, answer in (("list", ["A"]), ("int", 1), ("null", None)):
        pred = write(mvbench / f"answers_{kind}.json", {"action_antonym/0": answer})
        cases.append(_score(f"mvbench-predictions-answer-{kind}", "mvbench", mvbench / "good",
                            pred, "the answer must be a string"))
    kinetics = write(root / "k400" / "val.csv", "label,label,youtube_id,time_start,time_end,"
                     "split\nc0,c1,vid00000000abc,0,10,val\n")
    pred = write(root / "k400" / "pred.json", {"vid00000000abc": "c0"})
    cases.append(_score("kinetics400-annotations-column-twice", "kinetics400", kinetics, pred,
                        "column(s) label named twice", file=kinetics))
    conflict = write(root / "k400" / "conflict" / "val.csv", "label,youtube_id,time_start,"
                     "time_end\nc0,vid00000000abc,0,10\nc1,vid00000000abc,0,10\n")
    cases.append(_score("kinetics400-annotations-an-id-twice", "kinetics400", conflict, pred,
                        "line 3: duplicate youtube_id vid00000000abc, first at line 2",
                        file=conflict))
    nul = write(root / "k400" / "nul" / "val.csv", "label,youtube_id,time_start,time_end\n"
                "c0,vid\x00abc,0,10\n")
    cases.append(_score("kinetics400-annotations-nul-in-an-id", "kinetics400", nul, pred,
                        "bad youtube_id", file=nul))
    for kind, value in (("label-int", 3), ("labels-nested", [["c0"]])):
        bad = write(root / "k400" / f"pred_{kind}.json", {"vid00000000abc": value})
        good_gt = write(root / "k400" / "good" / "val.csv", "label,youtube_id,time_start,"
                        "time_end,split\nc0,vid00000000abc,0,10,val\n")
        cases.append(_score(f"kinetics400-predictions-{kind}", "kinetics400", good_gt, bad,
                            "entry 'vid00000000abc'"))
    vis_gt = write(root / "vis" / "gt.json", VIS_GT)
    result = {"video_id": 1, "category_id": 1, "score": 0.5, "segmentations": [None]}
    # score_ids (a run's evaluated_ids.txt): a device is never read forever, an id of 5000
    # digits or a superscript is no id
    anet_gt = write(root / "anet_ids" / "gt.json", ANET_GT)
    anet_pred = write(root / "anet_ids" / "pred.json", _tal({}))
    cases.append(_score("activitynet-score-ids-a-device", "activitynet", anet_gt, anet_pred,
                        "not a regular file (a device)", file=Path("/dev/zero"),
                        args=("--task-arg", "score_ids=/dev/zero")))
    vis_pred = write(root / "vis" / "pred.json", [result])
    for kind, text in (("5000-digits", "9" * 5000), ("superscript", "\u00b2")):
        ids = write(root / "vis" / f"ids_{kind}.txt", text + "\n")
        cases.append(_score(f"ytvis2021-score-ids-{kind}", "ytvis2021", vis_gt, vis_pred,
                            "is not a video id", file=ids, args=("--task-arg",
                                                                 f"score_ids={ids}")))
    for task in ("ytvis2021", "ovis"):
        dup = write(root / task / "gt_dup_category.json", {
            **VIS_GT, "categories": VIS_GT["categories"] + [{"id": 1, "name": "dog"}]})
        good = write(root / task / "good.json", [result])
        cases.append(_score(f"{task}-annotations-category-id-twice", task, dup, good,
                            "categories[1]: duplicate category id 1", file=dup))
        for kind, change, expect in (
                ("score-bigint", {"score": "BIG"}, "score must be a finite number"),
                ("score-nan", {"score": "NAN"}, "score must be a finite number"),
                ("category-float", {"category_id": 1.0}, "category_id must be an integer"),
                ("category-bool", {"category_id": True}, "category_id must be an integer"),
                ("video-string", {"video_id": "1"}, "video_id must be an integer"),
                ("frames-two", {"segmentations": [None, None]}, "'segmentations' has 2")):
            text = json.dumps([{**result, **change}])
            text = text.replace('"BIG"', str(BIG)).replace('"NAN"', "NaN")
            pred = _raw(root / task / f"pred_{kind}.json", text)
            cases.append(_score(f"{task}-predictions-{kind}", task, vis_gt, pred, expect))
    return cases


# reports ----------------------------------------------------------------------------------

SUMMARY = {"schema_version": 2, "task": "webvid", "tokenizer": "identity",
           "run_name": "identity", "metrics": {"psnr": 20.0}, "higher_is_better":
           {"psnr": True}, "n_samples": 1, "groups": {}}


def _report_cases(root: Path) -> list[Case]:
    good_runs = root / "good_runs"
    write(good_runs / "webvid" / "identity" / "summary.json", SUMMARY)
    good_run = good_runs / "webvid" / "identity"
    summaries = {
        "metric-bigint": ('"metrics": {"psnr": 20.0}', f'"metrics": {{"psnr": {BIG}}}',
                          "metrics.psnr: expected a number or null"),
        "group-metric-string": ('"groups": {}', '"groups": {"clip": {"psnr": "20"}}',
                                "groups.clip.psnr: expected a number or null"),
        "evaluated-ids-list": ('"groups": {}', '"groups": {}, "evaluated_ids": [1]',
                               "evaluated_ids: expected an object or null"),
        "samples-negative": ('"n_samples": 1', '"n_samples": -3',
                             "n_samples: expected an integer >= 0"),
        "limit-string": ('"n_samples": 1', '"n_samples": 1, "limit": "2"',
                         "limit: expected an integer or null"),
    }
    cases = []
    for kind, (old, new, expect) in summaries.items():
        text = json.dumps(SUMMARY)
        assert old in text
        runs = root / f"runs_{kind}"
        run = runs / "webvid" / "bad"
        summary = _raw(run / "summary.json", text.replace(old, new))
        cases += [
            Case(f"tables-{kind}", ["tables", "--runs", str(runs)], expect, str(summary)),
            Case(f"report-{kind}", ["report", "--runs", str(runs), "--out", str(root / "site"),
                                    "--no-utilization"], expect, str(summary)),
            Case(f"compare-{kind}", ["compare", str(good_run), str(run), "--out",
                                     str(root / "cmp")], expect, str(run)),
        ]
    metric = {"value": 20.0, "higher_is_better": True}
    baselines = {
        "tolerance-bigint": (f'{{"format": 1, "runs": {{}}, "tolerances": {{"default": '
                             f'{{"abs": {BIG}}}}}}}', "tolerances.default.abs: expected a finite"),
        "value-bigint": (json.dumps({"format": 1, "runs": {"webvid/identity": {"metrics": {
            "psnr": {"value": "BIG"}}}}}).replace('"BIG"', str(BIG)),
            "runs.webvid/identity.metrics.psnr.value: expected a number or null"),
        "value-list": ({"format": 1, "runs": {"webvid/identity": {"metrics": {
            "psnr": {"value": [20.0]}}}}},
            "runs.webvid/identity.metrics.psnr.value: expected a number or null"),
        "sample-count-string": ({"format": 1, "runs": {"webvid/identity": {
            "evaluated_ids_sha256": "ab", "n_samples": "8", "metrics": {}}}},
            "runs.webvid/identity.n_samples: expected an integer >= 0 or null"),
        "tolerance-inside-a-metric": ({"format": 1, "runs": {"webvid/identity": {"metrics": {
            "psnr": {**metric, "abs": 0.5}}}}},
            "runs.webvid/identity.metrics.psnr.abs: expected a key of value, higher_is_better"),
    }
    for kind, (content, expect) in baselines.items():
        path = root / "baselines" / f"{kind}.json"
        baseline = _raw(path, content) if isinstance(content, str) else write(path, content)
        cases.append(Case(f"check-{kind}", ["check", "--runs", str(good_runs), "--baseline",
                                            str(baseline)], expect, str(baseline)))
    shard = {"shard": [0, 1], "config_hash": "h", "options": {"task": "webvid",
             "tokenizer": "identity"}, "n_samples": 1, "n_failed": 0, "n_listed": 1}
    shards = {
        "options-list": ({"options": [1]}, "options: expected dict"),
        "options-unknown-key": ({"options": {"task": "webvid", "tokenizer": "identity",
                                             "bogus": 1}}, "options: unknown key(s) bogus"),
        "options-limit-string": ({"options": {"task": "webvid", "tokenizer": "identity",
                                              "limit": "x"}}, "options.limit: expected int"),
        "shard-past-n": ({"shard": [1, 1]}, "shard: expected [i, N] with 0 <= i < N"),
    }
    for kind, (change, expect) in shards.items():
        run = root / f"merge_{kind}" / "webvid" / "identity"
        path = write(run / "shards" / "0-of-1" / "shard.json", {**shard, **change})
        cases.append(Case(f"merge-{kind}", ["merge", str(run)], expect, str(path)))
    return cases


def _samples_cases(root: Path, runs: Path) -> list[Case]:
    """``compare`` on a run whose ``samples.jsonl`` was tampered with: the record is
    skipped in one warning naming the file and the key, then the sample sets differ."""
    records = (runs / "webvid" / "identity" / "samples.jsonl").read_text().splitlines()
    first = json.loads(records[0])
    cases = []
    for kind, change, key in (("id-list", {"sample_id": [first["sample_id"]]}, "sample_id"),
                              ("metric-bigint", {"metrics": {"psnr": "BIG"}}, "metrics.psnr"),
                              ("metric-string", {"metrics": {"psnr": "abc"}}, "metrics.psnr")):
        copy = root / f"samples_{kind}"
        shutil.copytree(runs, copy)
        samples = copy / "webvid" / "identity" / "samples.jsonl"
        bad = json.dumps({**first, **change}).replace('"BIG"', str(BIG))
        samples.write_text("\n".join([bad, *records[1:]]) + "\n")
        cases.append(Case(f"compare-samples-{kind}", [
            "compare", str(copy / "webvid" / "avgpool"), str(copy / "webvid" / "identity"),
            "--out", str(root / "cmp")], f"wrong types (first: {key}: expected", str(samples),
            lines=2))
    return cases


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two finished runs (identity, avgpool) of two tiny WebVid clips, shared; a test
    that changes them works on a copy."""
    root = tmp_path_factory.mktemp("webvid_runs")
    data = root / "webvid_data"
    write_webvid(data, n=2, frames=4, size=(16, 16))
    runs = root / "runs"
    for tokenizer in ("identity", "avgpool"):
        assert main(["run", "--task", "webvid", "--tokenizer", tokenizer, "--data-root",
                     str(data), "--output", str(runs), *SMALL]) == 0
    return runs


def test_every_hostile_value_is_one_line_exit_2_or_scored_as_the_evaluator_does(tmp_path, runs):
    inputs = tmp_path / "in"
    cases = (_tal_cases(inputs) + _accepted_cases(inputs) + _other_score_cases(inputs)
             + _report_cases(inputs) + _samples_cases(inputs, runs))
    before = tree(inputs)
    found = all_problems(tmp_path, cases)
    assert not found, "\n".join(found)
    assert tree(inputs) == before  # nothing written: no summary, site, comparison or lock
    assert {c.argv[0] for c in cases} == {"score", "tables", "report", "compare", "check",
                                          "merge"}
    assert {c.argv[2] for c in cases if c.argv[0] == "score"} == {
        "kinetics400", "activitynet", "thumos14", "mvbench", "ytvis2021", "ovis"}


def test_a_resumed_run_recomputes_a_tampered_record_and_never_counts_it(tmp_path, runs):
    """``run`` again over a ``samples.jsonl`` with a record of wrong types, a cut line or
    an id the dataset does not list: exit 0, one warning naming the file, and the
    metrics of the untampered run."""
    clean = json.loads((runs / "webvid" / "identity" / "summary.json").read_text())["metrics"]
    records = (runs / "webvid" / "identity" / "samples.jsonl").read_text().splitlines()
    first = json.loads(records[0])
    tampered = {
        "metric-bool": (json.dumps({**first, "metrics": {**first["metrics"], "psnr": True}}),
                        "wrong types (first: metrics.psnr: expected"),
        "group-list": (json.dumps({**first, "group": ["g"]}), "wrong types (first: group:"),
        "cut-line": (records[0][: len(records[0]) // 2], "incomplete record"),
        "unknown-id": (json.dumps({**first, "sample_id": "not-in-the-dataset",
                                   "metrics": {**first["metrics"], "ssim": 0.0}}), None),
    }
    cases, folders = [], {}
    for kind, (line, _) in tampered.items():
        out = tmp_path / f"resume_{kind}"
        shutil.copytree(runs, out)
        shutil.rmtree(out / "webvid" / "avgpool")
        (out / "webvid" / "identity" / "samples.jsonl").write_text(
            "\n".join([line, *records[1:]]) + ("\n" if kind != "cut-line" else ""))
        folders[kind] = out / "webvid" / "identity"
        cases.append(Case(f"resume-{kind}", ["run", "--task", "webvid", "--tokenizer",
                                             "identity", "--data-root",
                                             str(runs.parent / "webvid_data"), "--output",
                                             str(out),
                                             *SMALL], "", "", code=0))
    results = run_cases(tmp_path, cases)
    for case, (kind, (_, says)) in zip(cases, tampered.items(), strict=True):
        result = results[case.id]
        assert not problems(case, result), problems(case, result)
        warnings = [line for line in result["stderr"].splitlines() if "WARNING" in line]
        samples = str(folders[kind] / "samples.jsonl")
        if says is None:  # an id outside the dataset is never part of the run: no line
            assert not warnings, warnings
        else:
            assert any(says in line and samples in line for line in warnings), warnings
            assert len([w for w in warnings if "wrong types" in w]) <= 1, warnings
        summary = json.loads((folders[kind] / "summary.json").read_text())
        assert summary["n_samples"] == 2
        for name in ("psnr", "ssim"):
            assert summary["metrics"][name] == clean[name], (kind, name)
