"""THUMOS14 (untrimmed, temporal annotations): ``reader.py``, ``annotations.py`` (the
temporal annotation files, shared with ``score``) and ``demo.py`` (its demo set)."""
