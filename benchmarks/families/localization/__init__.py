"""The temporal action localization family (Table 4, THUMOS14 and ActivityNet).

``family.py`` is the evaluator; per video, ``frame_stream.py`` streams per-frame features
and ``segments.py`` turns similarities into segments; ``protocol.py`` holds the all-classes
and seen/unseen protocols over ``detection_map.py`` (the ActivityNet mAP). The prediction
and ground-truth files ``score`` reads are ``activitynet_files.py`` (ActivityNet JSON) and
``thumos_files.py`` (THUMOS14's own text files), chosen in ``score.py``; ``plots.py`` draws
one video's timeline."""
