"""The class-conditional generation family (Table 8, gFVD on UCF-101): ``family.py`` (the
evaluator) and ``grid.py`` (the run's picture: generated clips, one row per class)."""
