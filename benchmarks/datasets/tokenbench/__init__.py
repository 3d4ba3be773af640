"""NVIDIA TokenBench (preprocessed clips): ``reader.py`` and ``demo.py`` (its demo set)."""
