"""The drawn YouTube-VIS files of the perf case ``vis`` (its memory row scores them in a
child process): valid for ``score``, and the rectangles' RLE drawn without a mask equals
pycocotools' encoding of the drawn rectangle."""

from __future__ import annotations

import json

import numpy as np
from pycocotools import mask as mask_utils

from benchmarks.cli import main
from benchmarks.perf.cases.vis import _rectangle_rle, write_files


def test_rectangle_rle_equals_the_encoded_rectangle():
    h, w = 12, 9
    for y0, x0, bh, bw in [(0, 0, 3, 2), (4, 5, 7, 4), (11, 8, 1, 1), (2, 0, 10, 9), (0, 3, 11, 2)]:
        mask = np.zeros((h, w), dtype=np.uint8)
        mask[y0 : y0 + bh, x0 : x0 + bw] = 1
        drawn = mask_utils.frPyObjects({"size": [h, w],
                                        "counts": _rectangle_rle(y0, x0, bh, bw, h, w)}, h, w)
        assert drawn["counts"] == mask_utils.encode(np.asfortranarray(mask))["counts"]


def test_drawn_files_score(tmp_path, capsys):
    gt, results = write_files(tmp_path, videos=3, h=24, w=32, frames=4, cats=5)
    capsys.readouterr()
    assert main(["score", "--task", "ytvis2021", "--annotations", str(gt), "--predictions",
                 str(results), "--json", "--task-arg",
                 'dataset_args={"holdout_videos": null}']) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_videos"] == 3 and out["n_ground_truth_tracks"] == 9 and out["n_results"] == 15
