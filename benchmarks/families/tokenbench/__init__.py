"""NVIDIA TokenBench reconstruction: ``family.py`` (whole clips, window by window)."""
