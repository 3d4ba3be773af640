"""UCF-101: ``reader.py`` (the official layout and splits) and ``demo.py`` (its demo set)."""
