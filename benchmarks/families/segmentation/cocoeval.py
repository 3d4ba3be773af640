"""COCOeval's matching and accumulation (as YTVOSeval runs them), on arrays, every
(video, category) pair at once.

The rules are COCOeval's (cocodataset/cocoapi ``PythonAPI/pycocotools/cocoeval.py``,
``evaluateImg`` and ``accumulate``, unchanged in youtubevos/cocoapi's ``ytvoseval.py``
``evaluateVid`` and ``accumulate``); :mod:`.evaluation` describes them. Only the loops
differ: ``evaluateImg`` walks thresholds × detections × ground truth in Python for each
(video, category) and area range; :func:`greedy_match` takes the ``k``-th detection of
every (video, category) pair, at every area range and threshold, in one numpy step (pairs
never share ground truth), and :func:`accumulate` works on every threshold at once. Both
give COCOeval's numbers exactly (the same comparisons, the same sums in the same order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RECALL_POINTS = np.linspace(0.0, 1.0, 101)  # ytvoseval Params.recThrs


@dataclass(frozen=True)
class Matching:
    """``evaluateImg``'s ``dtMatches > 0`` and ``dtIgnore`` of padded pairs,
    ``(K, A, T, D)`` bool each."""

    matched: np.ndarray
    ignored: np.ndarray


def greedy_match(iou: np.ndarray, gt_ignore: np.ndarray, crowd: np.ndarray,
                 dt_out_of_range: np.ndarray, thresholds: np.ndarray) -> Matching:
    """COCOeval's greedy matching of K (video, category) pairs, padded.

    Per detection, in score order: among the ground truth not yet taken (crowd ones are
    never taken) with IoU >= ``min(threshold, 1 - 1e-10)``, the non-ignored ones win over
    the ignored ones, then the highest IoU, then the *last* in input order (COCOeval's
    ``if iou < best: continue`` keeps the later of equal IoUs). A detection matched to
    an ignored ground truth is ignored, and so is an unmatched one outside the area range.

    Args:
        iou: ``(K, D, G)`` track IoU, detections in score order; ``-inf`` on padding.
        gt_ignore: ``(K, A, G)`` bool per area range: crowd or outside the range.
        crowd: ``(K, G)`` bool ``iscrowd``: may be matched again.
        dt_out_of_range: ``(K, A, D)`` bool, the detection's area is outside the range.
        thresholds: ``(T,)`` IoU thresholds.
    """
    k, d_max, g_max = iou.shape
    n_area, n_thr = gt_ignore.shape[1], len(thresholds)
    matched = np.zeros((k, n_area, n_thr, d_max), dtype=bool)
    on_ignored = np.zeros_like(matched)
    if g_max > 0:
        limit = np.minimum(np.asarray(thresholds, dtype=np.float64), 1 - 1e-10)
        taken = np.zeros((k, n_area, n_thr, g_max), dtype=bool)  # (K, A, T, G)
        free_crowd = crowd[:, None, None, :]
        ignore = gt_ignore[:, :, None, :]  # (K, A, 1, G)
        for d in range(d_max):
            cand = iou[:, d][:, None, None, :]  # (K, 1, 1, G)
            ok = (cand >= limit[None, None, :, None]) & (~taken | free_crowd)  # (K, A, T, G)
            best_kept, has_kept = _last_argmax(np.where(ok & ~ignore, cand, -np.inf))
            best_ignored, has_ignored = _last_argmax(np.where(ok & ignore, cand, -np.inf))
            best = np.where(has_kept, best_kept, best_ignored)  # (K, A, T)
            hit = has_kept | has_ignored
            matched[..., d] = hit
            on_ignored[..., d] = hit & ~has_kept
            kk, aa, tt = np.nonzero(hit)
            taken[kk, aa, tt, best[kk, aa, tt]] = True
    ignored = on_ignored | (~matched & dt_out_of_range[:, :, None, :])
    return Matching(matched, ignored)


def _last_argmax(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the last maximum along the last axis, and whether it is finite."""
    last = values.shape[-1] - 1 - np.argmax(values[..., ::-1], axis=-1)
    return last, np.max(values, axis=-1) > -np.inf


@dataclass(frozen=True)
class Detections:
    """Every matched detection (the first ``max_dets[-1]`` of each pair), pair by pair in
    (video, category) order, each pair's in score order.

    Attributes:
        category: ``(N,)`` category id.
        score: ``(N,)`` float64.
        rank: ``(N,)`` place in its pair's score order (0 = best).
        matched, ignored: ``(T, A, N)`` bool.
    """

    category: np.ndarray
    score: np.ndarray
    rank: np.ndarray
    matched: np.ndarray
    ignored: np.ndarray


def accumulate(dets: Detections, n_positive: dict[int, np.ndarray], cats: list[int],
               n_areas: int, max_dets: Sequence[int], thresholds: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """COCOeval.accumulate: precision (T, R, K, A, M) and recall (T, K, A, M), -1 unset.

    ``n_positive``: category → ``(A,)`` non-ignored ground-truth tracks. Per category, the
    detections (the first ``max_det`` of each pair) are ranked by score (mergesort: ties
    keep pair order, then score order); precision at the 101 recall points from the
    cumulative true and false positives, made non-increasing from the right."""
    n_t, n_r = len(thresholds), len(RECALL_POINTS)
    precision = -np.ones((n_t, n_r, len(cats), n_areas, len(max_dets)))
    recall = -np.ones((n_t, len(cats), n_areas, len(max_dets)))
    by_cat = np.argsort(dets.category, kind="stable")
    sorted_cats = dets.category[by_cat]
    starts = np.searchsorted(sorted_cats, np.asarray(cats, dtype=np.int64), side="left")
    ends = np.searchsorted(sorted_cats, np.asarray(cats, dtype=np.int64), side="right")
    for k, cat in enumerate(cats):
        positives = n_positive.get(cat)
        if positives is None or not np.any(positives):
            continue
        mine = by_cat[starts[k] : ends[k]]  # pair order, score order within a pair
        order = mine[np.argsort(-dets.score[mine], kind="mergesort")]
        for mi, max_det in enumerate(max_dets):
            # the stable ranking of a subset is the subset of the stable ranking
            kept = order[dets.rank[order] < max_det]
            m, ig = dets.matched[:, :, kept], dets.ignored[:, :, kept]
            tp = np.cumsum(m & ~ig, axis=2, dtype=np.float64)  # (T, A, n)
            fp = np.cumsum(~m & ~ig, axis=2, dtype=np.float64)
            n = len(kept)
            for a in range(n_areas):
                if positives[a] == 0:
                    continue
                rc = tp[:, a] / positives[a]  # (T, n)
                pr = tp[:, a] / (fp[:, a] + tp[:, a] + np.spacing(1))
                recall[:, k, a, mi] = rc[:, -1] if n else 0.0
                if n:
                    pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
                pr = np.hstack([pr, np.zeros((n_t, 1))])  # past the last point: 0
                for t in range(n_t):
                    idx = np.searchsorted(rc[t], RECALL_POINTS, side="left")
                    precision[t, :, k, a, mi] = pr[t, idx]
    return precision, recall


MATCH_CHUNK = 256  # (video, category) pairs matched together: bounds (K, A, T, G)


def match_pairs(iou: np.ndarray, pair_d: np.ndarray, pair_g: np.ndarray, kept: np.ndarray,
                d_key: np.ndarray, d_rank: np.ndarray, g_key: np.ndarray, g_rank: np.ndarray,
                gt_ignore: np.ndarray, crowd: np.ndarray, dt_out: np.ndarray, n_keys: int,
                thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`greedy_match` of every (video, category) key, in padded chunks of keys.

    Args:
        iou: ``(P,)`` track IoU of the pairs ``(pair_d, pair_g)`` (results × ground truth
            of one key).
        kept: ``(N,)`` bool, the result is among its key's first ``max_dets[-1]``.
        d_key, d_rank: ``(N,)`` each result's key and place in its key's score order.
        g_key, g_rank: ``(G,)`` each ground truth's key and place in its key.
        gt_ignore: ``(A, G)``; crowd: ``(G,)``; dt_out: ``(A, N)`` (as in :func:`greedy_match`).

    Returns:
        ``(T, A, N_kept)`` matched and ignored, the kept results in their order.
    """
    n_area, n_thr = gt_ignore.shape[0], len(thresholds)
    kept_idx = np.flatnonzero(kept)
    matched = np.zeros((n_thr, n_area, len(kept_idx)), dtype=bool)
    ignored = np.zeros_like(matched)
    position = np.full(len(kept), -1)
    position[kept_idx] = np.arange(len(kept_idx))
    use = kept[pair_d]
    p_key, p_d, p_g = d_key[pair_d[use]], d_rank[pair_d[use]], g_rank[pair_g[use]]
    p_iou = iou[use]
    for k0 in range(0, n_keys, MATCH_CHUNK):
        k1 = min(k0 + MATCH_CHUNK, n_keys)
        dsel = kept_idx[(d_key[kept_idx] >= k0) & (d_key[kept_idx] < k1)]
        gsel = np.flatnonzero((g_key >= k0) & (g_key < k1))
        if len(dsel) == 0:
            continue
        d_max = int(d_rank[dsel].max()) + 1
        g_max = int(g_rank[gsel].max()) + 1 if len(gsel) else 0
        psel = (p_key >= k0) & (p_key < k1)
        pad_iou = np.full((k1 - k0, d_max, g_max), -np.inf)
        pad_iou[p_key[psel] - k0, p_d[psel], p_g[psel]] = p_iou[psel]
        pad_ignore = np.zeros((k1 - k0, n_area, g_max), dtype=bool)
        pad_ignore[g_key[gsel] - k0, :, g_rank[gsel]] = gt_ignore[:, gsel].T
        pad_crowd = np.zeros((k1 - k0, g_max), dtype=bool)
        pad_crowd[g_key[gsel] - k0, g_rank[gsel]] = crowd[gsel]
        pad_out = np.zeros((k1 - k0, n_area, d_max), dtype=bool)
        pad_out[d_key[dsel] - k0, :, d_rank[dsel]] = dt_out[:, dsel].T
        m = greedy_match(pad_iou, pad_ignore, pad_crowd, pad_out, thresholds)
        at, key, rank = position[dsel], d_key[dsel] - k0, d_rank[dsel]
        matched[:, :, at] = m.matched[key, :, :, rank].transpose(2, 1, 0)
        ignored[:, :, at] = m.ignored[key, :, :, rank].transpose(2, 1, 0)
    return matched, ignored
