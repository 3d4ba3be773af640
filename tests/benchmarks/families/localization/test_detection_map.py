"""Detection mAP (ActivityNet protocol) and the ActivityNet-format file readers.

The reference, :func:`_average_precision_loop`, is the ActivityNet toolkit's
``compute_average_precision_detection`` (``Evaluation/eval_detection.py``) ported step by
step, one prediction and one threshold at a time: ``npos = len(ground_truth)``;
``lock_gt`` of -1; "Sort predictions by decreasing score order"; per prediction, ``fp = 1``
when its video has no ground truth (``ground_truth_gbvn.get_group`` failing), else
``tiou_arr = segment_iou(...)`` and ``tiou_sorted_idx``, and per threshold the loop over
ground truth in decreasing tIoU that breaks to ``fp`` below the threshold, skips locked
ground truth and otherwise sets ``tp`` and ``lock_gt``; ``tp_cumsum`` / ``fp_cumsum``,
``recall_cumsum = tp_cumsum / npos``, ``precision_cumsum``; then ``interpolated_prec_rec``
(``Evaluation/utils.py``) with its backward ``max`` loop and its sum over the indices where
recall changes. The only changes are the two sorts, made stable (the toolkit's
``argsort()[::-1]`` leaves the order of ties to numpy's build; see the module docstring of
:mod:`benchmarks.families.localization.detection_map`). The vectorised implementation was
also checked
once, outside this suite, against a transcription of the toolkit's three functions run on
pandas DataFrames (40 random classes with distinct scores × both threshold sets: largest
difference 1.1e-16).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.families.base import ScoreInputError
from benchmarks.families.localization.activitynet_files import (
    read_activitynet_ground_truth,
    read_detection_results,
)
from benchmarks.families.localization.detection_map import (
    ACTIVITYNET_THRESHOLDS,
    THUMOS14_THRESHOLDS,
    ClassGroundTruth,
    ClassPredictions,
    ambiguous_overlaps,
    average_precision_detection,
    detection_evaluation,
    detection_map,
    interpolated_average_precision,
    segment_iou,
    threshold_key,
)

# reference ---------------------------------------------------------------------------------


def _interpolated_prec_rec_loop(prec: np.ndarray, rec: np.ndarray) -> float:
    mprec = np.hstack([[0.0], prec, [0.0]])
    mrec = np.hstack([[0.0], rec, [1.0]])
    for i in range(len(mprec) - 2, -1, -1):
        mprec[i] = max(mprec[i], mprec[i + 1])
    steps = np.where(mrec[1:] != mrec[:-1])[0] + 1
    return float(np.sum((mrec[steps] - mrec[steps - 1]) * mprec[steps]))


def _average_precision_loop(gt_rows, pred_rows, thresholds) -> np.ndarray:
    """``gt_rows``: ``(video, start, end)``; ``pred_rows``: ``(video, start, end, score)``."""
    n_thr = len(thresholds)
    ap = np.zeros(n_thr)
    if not pred_rows:
        return ap
    npos = float(len(gt_rows))
    lock_gt = -np.ones((n_thr, len(gt_rows)))
    order = np.argsort(-np.array([p[3] for p in pred_rows]), kind="stable")
    ranked = [pred_rows[i] for i in order]
    tp = np.zeros((n_thr, len(ranked)))
    fp = np.zeros((n_thr, len(ranked)))
    for idx, (vid, start, end, _) in enumerate(ranked):
        this_gt = [j for j, g in enumerate(gt_rows) if g[0] == vid]  # indices into gt_rows
        if not this_gt:
            fp[:, idx] = 1
            continue
        tiou = segment_iou(np.array([start, end]), np.array([gt_rows[j][1:] for j in this_gt]))
        tiou_sorted = np.argsort(-tiou, kind="stable")
        for tidx, thr in enumerate(thresholds):
            for jdx in tiou_sorted:
                if tiou[jdx] < thr:
                    fp[tidx, idx] = 1
                    break
                if lock_gt[tidx, this_gt[jdx]] >= 0:
                    continue
                tp[tidx, idx] = 1
                lock_gt[tidx, this_gt[jdx]] = idx
                break
            if fp[tidx, idx] == 0 and tp[tidx, idx] == 0:
                fp[tidx, idx] = 1
    tp_cum, fp_cum = np.cumsum(tp, axis=1), np.cumsum(fp, axis=1)
    recall, precision = tp_cum / npos, tp_cum / (tp_cum + fp_cum)
    for tidx in range(n_thr):
        ap[tidx] = _interpolated_prec_rec_loop(precision[tidx], recall[tidx])
    return ap


def _ap(gt_rows, pred_rows, thresholds) -> np.ndarray:
    """The vectorised AP of one class from rows, as the reference takes them."""
    gt = ClassGroundTruth(np.array([g[0] for g in gt_rows], dtype=object),
                          np.array([g[1:] for g in gt_rows], dtype=float).reshape(-1, 2))
    pred = ClassPredictions(np.array([p[0] for p in pred_rows], dtype=object),
                            np.array([p[1:3] for p in pred_rows], dtype=float).reshape(-1, 2),
                            np.array([p[3] for p in pred_rows], dtype=float))
    return average_precision_detection(gt, pred, thresholds)


def _both(gt_rows, pred_rows, thresholds) -> np.ndarray:
    ours, ref = _ap(gt_rows, pred_rows, thresholds), _average_precision_loop(
        gt_rows, pred_rows, thresholds)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    return ours


# tIoU and interpolation --------------------------------------------------------------------


def test_segment_iou_by_hand():
    iou = segment_iou(np.array([0.0, 10.0]),
                      np.array([[0.0, 5.0], [2.0, 8.0], [5.0, 15.0], [10.0, 20.0], [3.0, 3.0]]))
    np.testing.assert_allclose(iou, [0.5, 0.6, 5 / 15, 0.0, 0.0])
    assert segment_iou(np.array([3.0, 3.0]), np.array([[3.0, 3.0]]))[0] == 0.0  # empty union


def test_interpolation_of_a_three_point_curve_by_hand():
    # mprec [0, 1, .5, 2/3, 0] → non-increasing [1, 1, 2/3, 2/3, 0]; mrec [0, .5, .5, 1, 1]:
    # recall steps at 1 (0 → .5, precision 1) and 3 (.5 → 1, precision 2/3): .5 + 1/3
    prec, rec = np.array([1.0, 0.5, 2 / 3]), np.array([0.5, 0.5, 1.0])
    assert interpolated_average_precision(prec[None], rec[None])[0] == pytest.approx(5 / 6)
    assert _interpolated_prec_rec_loop(prec, rec) == pytest.approx(5 / 6)


# hand-worked APs ---------------------------------------------------------------------------


def test_one_prediction_at_exact_thresholds():
    gt = [("v", 0.0, 10.0)]
    # tIoU 0.5 exactly: a match at 0.5 (>=), not at 0.6
    assert list(_both(gt, [("v", 0.0, 5.0, 1.0)], (0.3, 0.5, 0.6))) == [1.0, 1.0, 0.0]
    # tIoU 0.6 exactly (6 / 10)
    assert list(_both(gt, [("v", 2.0, 8.0, 1.0)], (0.6, 0.7))) == [1.0, 0.0]


def test_second_prediction_on_one_ground_truth_is_a_false_positive():
    gt = [("v", 0.0, 10.0)]
    preds = [("v", 0.0, 5.0, 0.9), ("v", 0.0, 10.0, 0.8)]  # tIoU 0.5, then 1.0
    # at 0.5 the better-scored one takes it (TP, FP): AP 1; at 0.6 only the second
    # matches (FP, TP): precision .5 at recall 1 → AP .5
    np.testing.assert_array_equal(_both(gt, preds, (0.5, 0.6)), [1.0, 0.5])


def test_equal_scores_keep_input_order():
    gt = [("a", 0.0, 10.0), ("b", 0.0, 10.0)]
    hit, miss = ("a", 0.0, 10.0, 0.5), ("b", 20.0, 30.0, 0.5)
    # (TP, FP): precision 1 up to recall .5 → .5; (FP, TP): precision .5 there → .25
    assert _both(gt, [hit, miss], (0.5,))[0] == pytest.approx(0.5)
    assert _both(gt, [miss, hit], (0.5,))[0] == pytest.approx(0.25)
    # ties on one ground truth: the same AP whichever of them ranks first
    tied = [("a", 0.0, 10.0, 0.5), ("a", 0.0, 9.0, 0.5)]
    assert _both(gt, tied, (0.5,))[0] == _both(gt, tied[::-1], (0.5,))[0] == 0.5


def test_overlapping_predictions_take_the_next_ground_truth_only_when_close_enough():
    gt = [("v", 0.0, 10.0), ("v", 8.0, 18.0)]
    # p1 tIoU (10/12, 4/18), p2 tIoU (9/11, 3/17): both prefer the first ground truth
    preds = [("v", 0.0, 12.0, 0.9), ("v", 1.0, 11.0, 0.8)]
    # at 0.1 p2 falls back to the second (3/17 > 0.1): two TPs → 1; at 0.5 it is a FP:
    # precision 1 at recall .5 → .5
    np.testing.assert_allclose(_both(gt, preds, (0.1, 0.5)), [1.0, 0.5])


def test_predictions_without_ground_truth_in_their_video_are_false_positives():
    gt = [("v", 0.0, 10.0)]
    preds = [("w", 0.0, 10.0, 0.9), ("v", 0.0, 10.0, 0.8)]
    assert _both(gt, preds, (0.5,))[0] == pytest.approx(0.5)


def test_class_without_prediction_is_zero_and_without_ground_truth_is_skipped():
    gt = {"v": [("run", 0.0, 10.0), ("jump", 20.0, 30.0)], "w": []}
    preds = {"v": [("run", 0.0, 10.0, 0.9), ("swim", 0.0, 5.0, 0.4)]}
    result = detection_map(gt, preds, ["run", "jump", "swim"], (0.5, 0.7))
    np.testing.assert_array_equal(result.ap[:2], [[1.0, 1.0], [0.0, 0.0]])
    assert np.isnan(result.ap[2]).all() and result.skipped_classes == ("swim",)
    assert result.map_per_threshold == {"0.5": 50.0, "0.7": 50.0}  # percent
    assert result.average_map == 50.0
    assert (result.n_videos, result.n_ground_truth, result.n_predictions, result.n_missing) == (
        2, 2, 2, 1)


def test_predictions_outside_the_ground_truth_videos_are_ignored():
    gt = {"v": [("run", 0.0, 10.0)]}
    base = detection_map(gt, {"v": [("run", 0.0, 10.0, 0.5)]}, ["run"], (0.5,))
    more = detection_map(gt, {"v": [("run", 0.0, 10.0, 0.5)], "x": [("run", 0.0, 9.0, 0.9)]},
                         ["run"], (0.5,))
    assert base.average_map == more.average_map == 100.0 and more.n_predictions == 1


def test_evaluation_keys_and_percent():
    gt = {"v": [("run", 0.0, 10.0)], "w": [("run", 0.0, 10.0)]}
    preds = {"v": [("run", 0.0, 10.0, 0.9)]}
    ev = detection_evaluation(detection_map(gt, preds, ["run"], ACTIVITYNET_THRESHOLDS))
    keys = ["0.5", "0.55", "0.6", "0.65", "0.7", "0.75", "0.8", "0.85", "0.9", "0.95"]
    assert list(ev.extra["mAP"]) == keys
    assert list(ev.metrics) == ["average_mAP"] + [f"mAP@{k}" for k in keys]
    assert ev.metrics["average_mAP"] == pytest.approx(50.0)  # recall .5 at precision 1
    assert ev.extra["n_videos"] == 2 and ev.extra["n_missing"] == 1
    assert threshold_key(0.3) == "0.3" and [threshold_key(t) for t in THUMOS14_THRESHOLDS] == [
        "0.3", "0.4", "0.5", "0.6", "0.7"]
    empty = detection_evaluation(detection_map({"v": []}, {}, ["run"], (0.5,)))
    assert empty.metrics == {"average_mAP": None, "mAP@0.5": None}


def test_bad_thresholds_are_refused():
    with pytest.raises(ValueError, match="distinct"):
        detection_map({}, {}, ["a"], (0.5, 0.5))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        detection_map({}, {}, ["a"], (1.5,))


# randomised: vectorised vs loop ------------------------------------------------------------


def _random_dataset(seed: int, *, n_videos: int, n_classes: int, n_pred: int):
    rng = np.random.default_rng(seed)
    classes = [f"c{i}" for i in range(n_classes)]
    gt: dict[str, list] = {}
    for v in range(n_videos):
        n = int(rng.integers(0, 6))
        starts = rng.uniform(0, 100, n)
        gt[f"v{v}"] = [(classes[rng.integers(n_classes)], float(s), float(s + rng.uniform(1, 20)))
                       for s in starts]
    flat = [(vid, *seg) for vid, segs in gt.items() for seg in segs]
    preds: dict[str, list] = {}
    for _ in range(n_pred):
        if rng.random() < 0.7:  # near a ground-truth segment, sometimes the wrong class
            vid, label, s, e = flat[rng.integers(len(flat))]
            s, e = max(0.0, s + rng.normal(0, 2)), e + rng.normal(0, 2)
            label = label if rng.random() < 0.8 else classes[rng.integers(n_classes)]
        else:
            vid, label = f"v{rng.integers(n_videos)}", classes[rng.integers(n_classes)]
            s = rng.uniform(0, 100)
            e = s + rng.uniform(0.5, 20)
        score = round(float(rng.random()), 2)  # two decimals: many ties
        preds.setdefault(vid, []).append((label, float(s), float(max(e, s)), score))
    return gt, preds, classes


@pytest.mark.parametrize("thresholds", [THUMOS14_THRESHOLDS, ACTIVITYNET_THRESHOLDS],
                         ids=["thumos14", "activitynet"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_equals_the_loop_reference(seed, thresholds):
    gt, preds, classes = _random_dataset(seed, n_videos=50, n_classes=5, n_pred=400)
    result = detection_map(gt, preds, classes, thresholds)
    assert result.n_predictions > 300
    for c, label in enumerate(classes):
        gt_rows = [(v, s, e) for v, segs in gt.items() for lab, s, e in segs if lab == label]
        pred_rows = [(v, s, e, p) for v, rows in preds.items() for lab, s, e, p in rows
                     if lab == label]
        ref = _average_precision_loop(gt_rows, pred_rows, thresholds)
        np.testing.assert_allclose(result.ap[c], ref, rtol=0, atol=1e-9)
    assert 0 < result.average_map < 100
    np.testing.assert_allclose(list(result.map_per_threshold.values()),
                               result.ap.mean(axis=0) * 100, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_every_class_in_one_pass_equals_class_by_class(seed):
    """detection_map matches all classes at once over (class, video) groups: the same APs,
    bit for bit, as each class alone (with its Ambiguous flags), and the same count."""
    gt, preds, classes = _random_dataset(seed, n_videos=40, n_classes=4, n_pred=300)
    rng = np.random.default_rng(seed)
    ambiguous = {vid: [(float(s), float(s) + 8.0)] for vid, s in
                 zip(list(gt)[::3], rng.uniform(0, 100, len(gt)), strict=False)}
    result = detection_map(gt, preds, classes, THUMOS14_THRESHOLDS, ambiguous=ambiguous)
    n_on_ambiguous = 0
    for c, label in enumerate(classes):
        gt_rows = [(v, s, e) for v, segs in gt.items() for lab, s, e in segs if lab == label]
        pred_rows = [(v, s, e, p) for v, rows in preds.items() for lab, s, e, p in rows
                     if lab == label]
        on = ambiguous_overlaps(pred_rows, ambiguous)
        n_on_ambiguous += int(on.sum())
        gt_c = ClassGroundTruth(np.array([g[0] for g in gt_rows], dtype=object),
                                np.array([g[1:] for g in gt_rows], dtype=float).reshape(-1, 2))
        pred_c = ClassPredictions(np.array([p[0] for p in pred_rows], dtype=object),
                                  np.array([p[1:3] for p in pred_rows], dtype=float),
                                  np.array([p[3] for p in pred_rows], dtype=float))
        np.testing.assert_array_equal(
            result.ap[c], average_precision_detection(gt_c, pred_c, THUMOS14_THRESHOLDS,
                                                      on_ambiguous=on))
    assert result.n_on_ambiguous == n_on_ambiguous > 0


def test_a_row_of_another_length_is_refused():
    with pytest.raises(ValueError, match=r"every row must be \(label, start, end, score\)"):
        detection_map({"v": [("run", 0.0, 5.0)]}, {"v": [("run", 0.0, 5.0)]}, ["run"], (0.5,))


@pytest.mark.parametrize("thresholds", [THUMOS14_THRESHOLDS, ACTIVITYNET_THRESHOLDS],
                         ids=["thumos14", "activitynet"])
def test_many_copies_and_stray_predictions_match_the_loop_reference(thresholds):
    """What the matching skips (predictions below every threshold with every ground truth
    of their video; the rest of a video once every slot its predictions reach is locked)
    changes no AP: copies of good predictions, strays, and one reachable segment last."""
    rng = np.random.default_rng(7)
    gt = {"v0": [("a", 10.0, 20.0), ("a", 50.0, 60.0)], "v1": [("a", 0.0, 5.0)], "v2": []}
    preds: dict[str, list] = {"v0": [], "v1": [], "v2": []}
    for i in range(600):
        preds["v0"].append(("a", 10.0 + rng.normal(0, 0.3), 20.0, 0.9 - i * 1e-4))  # copies
        preds["v1"].append(("a", 80.0 + i, 81.0 + i, float(rng.random())))  # strays
        preds["v2"].append(("a", 1.0, 2.0, 0.5))
    preds["v0"].append(("a", 50.0, 60.0, 0.01))  # the second slot, reached only at the end
    preds["v1"].append(("a", 0.0, 5.0, 0.0))
    result = detection_map(gt, preds, ["a"], thresholds)
    gt_rows = [(v, s, e) for v, segs in gt.items() for _, s, e in segs]
    pred_rows = [(v, s, e, p) for v, rows in preds.items() for _, s, e, p in rows]
    ref = _average_precision_loop(gt_rows, pred_rows, thresholds)
    np.testing.assert_allclose(result.ap[0], ref, rtol=0, atol=1e-12)
    assert ref.min() > 0


# file readers ------------------------------------------------------------------------------


def _gt_file(tmp_path, database, **top):
    path = tmp_path / "gt.json"
    path.write_text(json.dumps({"version": "VERSION 1.3", "taxonomy": [], **top,
                                "database": database}))
    return path


GOOD_DB = {
    "v1": {"subset": "validation", "duration": 30.0,
           "annotations": [{"segment": [1.0, 5.5], "label": "Run"},
                           {"segment": [10, 20], "label": "Jump"}]},
    "v2": {"subset": "training", "duration": 12.0,
           "annotations": [{"segment": [0.0, 3.0], "label": "Swim"}]},
    "v3": {"subset": "validation", "annotations": []},
}


def test_read_ground_truth(tmp_path):
    path = _gt_file(tmp_path, GOOD_DB)
    gt = read_activitynet_ground_truth(path, subset="validation")
    assert gt.videos == {"v1": [("Run", 1.0, 5.5), ("Jump", 10.0, 20.0)], "v3": []}
    assert gt.durations == {"v1": 30.0} and gt.classes == ("Jump", "Run", "Swim")
    assert set(read_activitynet_ground_truth(path, subset=None).videos) == {"v1", "v2", "v3"}


def _with(video: dict) -> dict:
    return {**GOOD_DB, "v1": video}


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"version": 1}', "database: missing"),
        (_with([]), r"database\['v1'\]: expected an object"),
        (_with({"annotations": []}), "'subset' must be a string"),
        (_with({"subset": "validation"}), "'annotations' must be a list"),
        (_with({"subset": "validation", "duration": "1", "annotations": []}), "'duration'"),
        (_with({"subset": "validation", "annotations": [{"label": "Run"}]}),
         r"'v1'\] annotation 0: no 'segment'"),
        (_with({"subset": "validation", "annotations": [
            {"segment": [0, 1], "label": "Run"}, {"segment": [5, 2], "label": "Run"}]}),
         r"annotation 1: .*reversed"),
        (_with({"subset": "validation", "annotations": [{"segment": [-1, 2], "label": "Run"}]}),
         "starts before 0"),
        (_with({"subset": "validation", "annotations": [{"segment": [1], "label": "Run"}]}),
         "two finite numbers"),
        (_with({"subset": "validation", "annotations": [{"segment": [0, 1], "label": 3}]}),
         "'label' must be a non-empty string"),
        ({"v3": GOOD_DB["v3"]}, "no annotated video in subset 'validation'"),
    ],
)
def test_ground_truth_errors(tmp_path, content, match):
    path = tmp_path / "gt.json"
    path.write_text(content if isinstance(content, str) else json.dumps({"database": content}))
    with pytest.raises(ScoreInputError, match=match) as err:
        read_activitynet_ground_truth(path, subset="validation")
    assert str(path) in str(err.value)


def test_read_detection_results(tmp_path):
    gt = read_activitynet_ground_truth(_gt_file(tmp_path, GOOD_DB), subset="validation")
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"version": "VERSION 1.3", "external_data": {}, "results": {
        "v1": [{"label": "Run", "score": 0.9, "segment": [1, 5]},
               {"label": "Swim", "score": 1, "segment": [2.5, 2.5]}],
        "v3": []}}))
    assert read_detection_results(path, gt) == {
        "v1": [("Run", 1.0, 5.0, 0.9), ("Swim", 2.5, 2.5, 1.0)], "v3": []}


@pytest.mark.parametrize(
    ("results", "match"),
    [
        ([1], "expected a JSON object"),
        ({"version": 1}, "results: missing"),
        ({"results": {"v2": []}}, r"results\['v2'\]: video id not in subset 'validation'"),
        ({"results": {"v9": []}}, "video id not in"),
        ({"results": {"v1": {}}}, "expected a list of results"),
        ({"results": {"v1": [{"label": "Fly", "score": 1, "segment": [0, 1]}]}},
         r"results\['v1'\]\[0\]: unknown label 'Fly'"),
        ({"results": {"v1": [{"label": "Run", "score": "high", "segment": [0, 1]}]}},
         "'score' must be a finite number"),
        ({"results": {"v1": [{"label": "Run", "score": True, "segment": [0, 1]}]}},
         "'score' must be a finite number"),
        ({"results": {"v1": [{"label": "Run", "score": 1, "segment": ["0", 1]}]}},
         "two finite numbers"),
        ({"results": {"v1": [{"label": "Run", "score": 1, "segment": [0, 1]},
                             {"label": "Run", "score": 1, "segment": [3, 1]}]}},
         r"\[1\]: segment \[3, 1\] is reversed"),
        ({"results": {"v1": [{"label": "Run", "score": 1, "segment": [-0.5, 1]}]}},
         "starts before 0"),
        ({"results": {"v1": [{"label": "Run", "score": 1}]}}, "no 'segment'"),
    ],
)
def test_result_errors(tmp_path, results, match):
    gt = read_activitynet_ground_truth(_gt_file(tmp_path, GOOD_DB), subset="validation")
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    with pytest.raises(ScoreInputError, match=match):
        read_detection_results(path, gt)


def test_nan_score_is_refused(tmp_path):
    gt = read_activitynet_ground_truth(_gt_file(tmp_path, GOOD_DB), subset="validation")
    path = tmp_path / "results.json"
    path.write_text('{"results": {"v1": [{"label": "Run", "score": NaN, "segment": [0, 1]}]}}')
    with pytest.raises(ScoreInputError, match="finite"):
        read_detection_results(path, gt)


def test_unmatched_predictions_on_ambiguous_segments_are_not_false_positives():
    """TH14evalDet.m: only unmatched detections *not* overlapping Ambiguous are FPs."""
    gt = {"v": [("run", 0.0, 10.0)]}
    preds = {"v": [("run", 25.0, 28.0, 0.9),   # unmatched, inside Ambiguous 20-30: dropped
                   ("run", 40.0, 50.0, 0.8),   # unmatched, elsewhere: FP
                   ("run", 0.0, 10.0, 0.5)]}   # TP
    dropped = detection_map(gt, preds, ["run"], (0.5,), ambiguous={"v": [(20.0, 30.0)]})
    # FP then TP: precision 1/2 at recall 1
    assert dropped.average_map == pytest.approx(50.0) and dropped.n_on_ambiguous == 1
    # without the Ambiguous segment: FP, FP, TP: precision 1/3 at recall 1
    plain = detection_map(gt, preds, ["run"], (0.5,))
    assert plain.average_map == pytest.approx(100 / 3) and plain.n_on_ambiguous == 0
    # an Ambiguous segment of another video, or one only touching at an end, drops nothing
    for ambiguous in ({"w": [(20.0, 30.0)]}, {"v": [(28.0, 40.0)]}):
        other = detection_map(gt, preds, ["run"], (0.5,), ambiguous=ambiguous)
        assert other.average_map == pytest.approx(100 / 3)


def test_a_true_positive_on_an_ambiguous_segment_stays_true():
    gt = {"v": [("run", 0.0, 10.0)]}
    preds = {"v": [("run", 0.0, 10.0, 0.9), ("run", 1.0, 9.0, 0.8)]}  # TP, then a duplicate
    # the TP overlaps Ambiguous 5-12 and stays a TP; the duplicate (no ground truth left)
    # overlaps it too and is dropped: AP 1 (without the segment: 1 as well, the FP is last)
    result = detection_map(gt, preds, ["run"], (0.5,), ambiguous={"v": [(5.0, 12.0)]})
    assert result.average_map == pytest.approx(100.0)
    # a dropped prediction ranked first leaves the curve as if it were absent
    first = {"v": [("run", 6.0, 7.0, 0.99), ("run", 0.0, 10.0, 0.5)]}
    assert detection_map(gt, first, ["run"], (0.5,),
                         ambiguous={"v": [(5.0, 12.0)]}).average_map == pytest.approx(100.0)
