"""COCO Captions (val2017) as one-frame clips: ``reader.py`` and ``demo.py`` (its demo set)."""
