"""The video instance segmentation family (Table 3, YouTube-VIS 2021 and OVIS).

``family.py`` is the evaluator; ``prompt.py`` (the category phrases), ``masks.py``
(token relevance to per-frame probabilities), ``crf3d.py`` (the optional 3-D CRF),
``evaluation.py`` (YTVOSeval's AP; its track IoU from RLE in ``track_iou.py``, COCOeval's
matching and accumulation on arrays in ``cocoeval.py``), ``files.py`` (ground truth,
results.json and the server submission) and ``plots.py`` (overlays)."""
