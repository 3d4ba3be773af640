"""MCL-JCV (raw yuv420p sources): ``reader.py`` and ``demo.py`` (its demo set)."""
