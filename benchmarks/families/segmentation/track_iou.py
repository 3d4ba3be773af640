"""Track IoU and DAVIS J of result / ground-truth pairs, from RLE, never decoded.

The track IoU is YTVOSeval's (youtubevos/cocoapi ``PythonAPI/pycocotools/ytvoseval.py``,
``computeIoU``'s ``iou_seq``): Σ_frames |D∩G| / Σ_frames |D∪G|, a frame where only one is
present adding its area to the union. Per frame, ``pycocotools.mask.iou`` gives the IoU
``r`` of two RLEs and ``pycocotools.mask.area`` their areas ``a_d, a_g``; the intersection
is ``rint(r (a_d + a_g) / (1 + r))``, an integer pixel count, so the track IoU is exactly
the ratio of integer sums, as ytvoseval computes it (an IoU of exactly 0.6 must not come
out as 0.5999... against the 0.6 threshold). J (DAVIS, Perazzi et al. 2016) is the mean
over the video's frames of the per-frame IoU, a frame where both are empty counting 1.

Work is video by video (one ``iou`` call per frame over the video's present masks) and
the (pair, frame) entries are summed in runs of at most :data:`ENTRIES`, so memory stays
bounded whatever the number of videos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from benchmarks.families.segmentation.evaluation import Track

ENTRIES = 1 << 20  # (pair, frame) entries summed at once: bounds memory on big files
AREA_CALL = 255  # pycocotools' area builds a uint8 array of its mask count first


def frame_areas(tracks: Sequence[Track]) -> list[np.ndarray]:
    """Each track's mask area in each frame, ``(t,)`` float, 0 where absent (few
    ``pycocotools.mask.area`` calls for every mask of every track)."""
    from pycocotools import mask as mask_utils

    present = [s for t in tracks for s in t.segmentations if s is not None]
    values = iter([a for i in range(0, len(present), AREA_CALL)
                   for a in mask_utils.area(present[i : i + AREA_CALL]).tolist()])
    return [np.array([0.0 if s is None else next(values) for s in t.segmentations])
            for t in tracks]


@dataclass(frozen=True)
class Block:
    """Tracks of one video: results ``d0:d1``, ground truth ``g0:g1``, and the pairs
    ``p0:p1`` whose IoU is wanted (of these tracks)."""

    d0: int
    d1: int
    g0: int
    g1: int
    p0: int
    p1: int


def video_blocks(key_video: np.ndarray, g_key: np.ndarray, d_key: np.ndarray,
                 pair_d: np.ndarray) -> list[Block]:
    """The tracks and pairs of each video (all sorted by pair key, so contiguous);
    ``key_video``: the video of each (video, category) key, ascending."""
    blocks = []
    video_of_g, video_of_d = key_video[g_key], key_video[d_key]
    video_of_p = video_of_d[pair_d]
    for v in np.unique(key_video):
        g0, g1 = np.searchsorted(video_of_g, [v, v + 1])
        d0, d1 = np.searchsorted(video_of_d, [v, v + 1])
        p0, p1 = np.searchsorted(video_of_p, [v, v + 1])
        blocks.append(Block(int(d0), int(d1), int(g0), int(g1), int(p0), int(p1)))
    return blocks


def pair_sums(dts: Sequence[Track], gts: Sequence[Track], d_frames: list[np.ndarray],
              g_frames: list[np.ndarray], pair_d: np.ndarray, pair_g: np.ndarray,
              blocks: Sequence[Block]) -> tuple[np.ndarray, np.ndarray]:
    """``(P,)`` track IoU and ``(P,)`` J of the pairs ``(dts[pair_d[p]], gts[pair_g[p]])``
    (module docstring); ``d_frames`` / ``g_frames``: :func:`frame_areas`. J is summed
    frame by frame in frame order (the same float as a running sum)."""
    from pycocotools import mask as mask_utils

    n_pairs = len(pair_d)
    iou, jaccard = np.zeros(n_pairs), np.zeros(n_pairs)
    if n_pairs == 0:
        return iou, jaccard
    d_len = np.array([len(f) for f in d_frames], dtype=np.int64)
    d_off = np.concatenate([[0], np.cumsum(d_len)])
    g_off = np.concatenate([[0], np.cumsum([len(f) for f in g_frames])]).astype(np.int64)
    d_area, g_area = np.concatenate(d_frames), np.concatenate(g_frames)
    d_here = np.array([s is not None for t in dts for s in t.segmentations], dtype=bool)
    g_here = np.array([s is not None for t in gts for s in t.segmentations], dtype=bool)
    frames = d_len[pair_d]  # (P,) a pair's frame count (its video's)
    start = 0
    while start < len(blocks):  # a run of videos with at most ENTRIES (pair, frame) entries
        stop, size = start, 0
        while stop < len(blocks) and (stop == start or size < ENTRIES):
            size += int(frames[blocks[stop].p0 : blocks[stop].p1].sum())
            stop += 1
        p0, p1 = blocks[start].p0, blocks[stop - 1].p1
        counts = frames[p0:p1]
        e_pair = np.repeat(np.arange(p0, p1), counts)  # (E,) entries in (pair, frame) order
        e_first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        e_frame = np.arange(len(e_pair)) - np.repeat(e_first, counts)
        d_at = d_off[pair_d[e_pair]] + e_frame
        g_at = g_off[pair_g[e_pair]] + e_frame
        ratio = np.zeros(len(e_pair))  # pycocotools' IoU where both masks are present
        for b in blocks[start:stop]:
            if b.p1 > b.p0:
                _frame_ious(dts, gts, b, pair_d, pair_g, ratio, int(e_first[b.p0 - p0]),
                            mask_utils)
        both = d_here[d_at] & g_here[g_at]
        total = d_area[d_at] + g_area[g_at]
        inter = np.where(both, np.rint(ratio * total / (1.0 + ratio)), 0.0)
        union = total - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            frame_j = np.where(union > 0, inter / union, 1.0)
        local = e_pair - p0
        inter_sum = np.bincount(local, weights=inter, minlength=p1 - p0)  # integers: exact
        union_sum = np.bincount(local, weights=union, minlength=p1 - p0)
        with np.errstate(divide="ignore", invalid="ignore"):
            iou[p0:p1] = np.where(union_sum > 0, inter_sum / union_sum, 0.0)
        # bincount adds each pair's frames in order, from 0: a running sum
        jaccard[p0:p1] = (np.bincount(local, weights=frame_j, minlength=p1 - p0)
                          / np.maximum(counts, 1))
        start = stop
    return iou, jaccard


def _frame_ious(dts: Sequence[Track], gts: Sequence[Track], b: Block, pair_d: np.ndarray,
                pair_g: np.ndarray, ratio: np.ndarray, e0: int, mask_utils) -> None:
    """Fill ``ratio`` (entries of block ``b`` from ``e0``) with pycocotools' per-frame IoU
    of the block's pairs: one ``iou`` call per frame over the video's present masks."""
    nd, ng = b.d1 - b.d0, b.g1 - b.g0
    d_segs = [t.segmentations for t in dts[b.d0 : b.d1]]
    g_segs = [t.segmentations for t in gts[b.g0 : b.g1]]
    frames = len(d_segs[0])
    dense = np.zeros((frames, nd, ng))
    for f in range(frames):
        d_in = [i for i in range(nd) if d_segs[i][f] is not None]
        g_in = [j for j in range(ng) if g_segs[j][f] is not None]
        if not d_in or not g_in:
            continue
        r = np.asarray(mask_utils.iou([d_segs[i][f] for i in d_in], [g_segs[j][f] for j in g_in],
                                      [0] * len(g_in)), dtype=np.float64)
        if len(d_in) == nd and len(g_in) == ng:  # every mask present
            dense[f] = r.reshape(nd, ng)
        else:
            dense[f][np.ix_(d_in, g_in)] = r.reshape(len(d_in), len(g_in))
    # the block's entries, (pair, frame) order
    ratio[e0 : e0 + (b.p1 - b.p0) * frames] = dense[
        :, pair_d[b.p0 : b.p1] - b.d0, pair_g[b.p0 : b.p1] - b.g0].T.reshape(-1)
