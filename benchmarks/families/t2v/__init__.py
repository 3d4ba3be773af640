"""The text-to-video family (Table 2, FVD and temporal consistency on WebVid captions):
``family.py`` (the evaluator)."""
