"""ActivityNet v1.3 (untrimmed, temporal annotations): ``reader.py`` and ``demo.py`` (its
demo set, made as the THUMOS14 one)."""
