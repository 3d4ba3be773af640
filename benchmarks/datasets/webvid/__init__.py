"""WebVid-10M (val): ``reader.py`` (the official layout) and ``demo.py`` (its demo set)."""
