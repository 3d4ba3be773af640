"""MVBench: ``reader.py``, ``questions.py`` (the sub-task JSON files), ``sampling.py``
(MVBench's frame indices) and ``demo.py`` (its demo set)."""
