"""The ActivityNet toolkit's detection AP, re-derived with pandas, as it runs.

Source: github.com/activitynet/ActivityNet at commit
82304fa9f4a7219421df13dae6347a445c4cf5bc, ``Evaluation/eval_detection.py``
(``ANETdetection._import_ground_truth`` / ``_import_prediction`` build the DataFrames,
``wrapper_compute_average_precision`` groups them by label and calls
``compute_average_precision_detection`` once per class) and ``Evaluation/utils.py``
(``segment_iou``, ``interpolated_prec_rec``). Step for step the same, pandas and all
(``groupby``, ``get_group``, ``reset_index``, ``iterrows``, ``.loc``); only what Python 3
and numpy 2 require changed (``np.float`` → ``float``, ``iteritems`` → ``items``), and the
classes run one after the other, where the wrapper hands them to
``joblib.Parallel(n_jobs=len(activity_index))``: the same work, without worker processes
(a process pool on a shared 2-core machine times the pool, not the algorithm).

The toolkit sorts with numpy's unstable ``argsort()[::-1]``: equal scores (or equal tIoUs)
come out in an order numpy leaves open, so agreement with the harness is only defined on
distinct scores, which the perf case draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def segment_iou(target_segment: np.ndarray, candidate_segments: np.ndarray) -> np.ndarray:
    """``utils.segment_iou``: tIoU of one segment with ``(n, 2)`` candidates."""
    tt1 = np.maximum(target_segment[0], candidate_segments[:, 0])
    tt2 = np.minimum(target_segment[1], candidate_segments[:, 1])
    segments_intersection = (tt2 - tt1).clip(0)
    segments_union = ((candidate_segments[:, 1] - candidate_segments[:, 0])
                      + (target_segment[1] - target_segment[0]) - segments_intersection)
    return segments_intersection.astype(float) / segments_union


def interpolated_prec_rec(prec: np.ndarray, rec: np.ndarray) -> float:
    """``utils.interpolated_prec_rec``: VOC 2011 interpolated AP."""
    mprec = np.hstack([[0], prec, [0]])
    mrec = np.hstack([[0], rec, [1]])
    for i in range(len(mprec) - 1)[::-1]:
        mprec[i] = max(mprec[i], mprec[i + 1])
    idx = np.where(mrec[1::] != mrec[0:-1])[0] + 1
    return float(np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx]))


def compute_average_precision_detection(ground_truth: pd.DataFrame, prediction: pd.DataFrame,
                                        tiou_thresholds: np.ndarray) -> np.ndarray:
    """``eval_detection.compute_average_precision_detection``: AP of one class."""
    ap = np.zeros(len(tiou_thresholds))
    if prediction.empty:
        return ap

    npos = float(len(ground_truth))
    lock_gt = np.ones((len(tiou_thresholds), len(ground_truth))) * -1
    # Sort predictions by decreasing score order.
    sort_idx = prediction["score"].values.argsort()[::-1]
    prediction = prediction.loc[sort_idx].reset_index(drop=True)

    tp = np.zeros((len(tiou_thresholds), len(prediction)))
    fp = np.zeros((len(tiou_thresholds), len(prediction)))

    ground_truth_gbvn = ground_truth.groupby("video-id")

    for idx, this_pred in prediction.iterrows():
        try:
            # Check if there is at least one ground truth in the video associated.
            ground_truth_videoid = ground_truth_gbvn.get_group(this_pred["video-id"])
        except Exception:
            fp[:, idx] = 1
            continue

        this_gt = ground_truth_videoid.reset_index()
        tiou_arr = segment_iou(this_pred[["t-start", "t-end"]].values,
                               this_gt[["t-start", "t-end"]].values)
        # We would like to retrieve the predictions with highest tiou score.
        tiou_sorted_idx = tiou_arr.argsort()[::-1]
        for tidx, tiou_thr in enumerate(tiou_thresholds):
            for jdx in tiou_sorted_idx:
                if tiou_arr[jdx] < tiou_thr:
                    fp[tidx, idx] = 1
                    break
                if lock_gt[tidx, this_gt.loc[jdx]["index"]] >= 0:
                    continue
                # Assign as true positive after the filters above.
                tp[tidx, idx] = 1
                lock_gt[tidx, this_gt.loc[jdx]["index"]] = idx
                break

            if fp[tidx, idx] == 0 and tp[tidx, idx] == 0:
                fp[tidx, idx] = 1

    tp_cumsum = np.cumsum(tp, axis=1).astype(float)
    fp_cumsum = np.cumsum(fp, axis=1).astype(float)
    recall_cumsum = tp_cumsum / npos

    precision_cumsum = tp_cumsum / (tp_cumsum + fp_cumsum)

    for tidx in range(len(tiou_thresholds)):
        ap[tidx] = interpolated_prec_rec(precision_cumsum[tidx, :], recall_cumsum[tidx, :])
    return ap


def frames(ground_truth: Mapping[str, Sequence[tuple[str, float, float]]],
           predictions: Mapping[str, Sequence[tuple[str, float, float, float]]]
           ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """The DataFrames ``_import_ground_truth`` and ``_import_prediction`` build, from the
    harness's mappings (video → ``(label, start, end[, score])``) instead of JSON files;
    ``activity_index``: label → class index, in order of first appearance."""
    activity_index: dict[str, int] = {}
    video_lst, t_start_lst, t_end_lst, label_lst = [], [], [], []
    for videoid, segments in ground_truth.items():
        for label, start, end in segments:
            if label not in activity_index:
                activity_index[label] = len(activity_index)
            video_lst.append(videoid)
            t_start_lst.append(float(start))
            t_end_lst.append(float(end))
            label_lst.append(activity_index[label])
    gt = pd.DataFrame({"video-id": video_lst, "t-start": t_start_lst, "t-end": t_end_lst,
                       "label": label_lst})
    video_lst, t_start_lst, t_end_lst, label_lst, score_lst = [], [], [], [], []
    for videoid, results in predictions.items():
        for label, start, end, score in results:
            video_lst.append(videoid)
            t_start_lst.append(float(start))
            t_end_lst.append(float(end))
            label_lst.append(activity_index[label])
            score_lst.append(score)
    prediction = pd.DataFrame({"video-id": video_lst, "t-start": t_start_lst,
                               "t-end": t_end_lst, "label": label_lst, "score": score_lst})
    return gt, prediction, activity_index


def wrapper_compute_average_precision(ground_truth: pd.DataFrame, prediction: pd.DataFrame,
                                      activity_index: Mapping[str, int],
                                      tiou_thresholds: np.ndarray) -> np.ndarray:
    """``ANETdetection.wrapper_compute_average_precision``: ``(n_thresholds, n_classes)``
    AP, the columns in ``activity_index`` order."""
    ap = np.zeros((len(tiou_thresholds), len(activity_index)))
    ground_truth_by_label = ground_truth.groupby("label")
    prediction_by_label = prediction.groupby("label")
    for cidx in activity_index.values():
        try:  # ANETdetection._get_predictions_with_label
            this_prediction = prediction_by_label.get_group(cidx).reset_index(drop=True)
        except Exception:
            this_prediction = pd.DataFrame()
        ap[:, cidx] = compute_average_precision_detection(
            ground_truth=ground_truth_by_label.get_group(cidx).reset_index(drop=True),
            prediction=this_prediction, tiou_thresholds=tiou_thresholds)
    return ap


def activitynet_ap(ground_truth: Mapping[str, Sequence[tuple[str, float, float]]],
                   predictions: Mapping[str, Sequence[tuple[str, float, float, float]]],
                   classes: Sequence[str], tiou_thresholds: Sequence[float]) -> np.ndarray:
    """``(len(classes), n_thresholds)`` AP as the toolkit computes it from the mappings
    (DataFrames built, then the wrapper); rows in ``classes`` order, NaN for a class
    without ground truth (the toolkit does not know it)."""
    gt, prediction, activity_index = frames(ground_truth, predictions)
    ap = wrapper_compute_average_precision(gt, prediction, activity_index,
                                           np.asarray(tiou_thresholds, dtype=np.float64))
    out = np.full((len(classes), len(tiou_thresholds)), np.nan)
    for row, label in enumerate(classes):
        if label in activity_index:
            out[row] = ap[:, activity_index[label]]
    return out
