"""The multiple-choice video QA family (MVBench; Tables 5 and 10).

``family.py`` is the evaluator; ``parse.py`` reads an answer letter, ``counting.py`` counts
accuracy (shared by ``run`` and ``score``), ``answerers.py`` registers the answerers:
``similarity.py`` (offline) and ``qwen.py`` (Qwen2.5-VL, its inputs in ``qwen_inputs.py``,
fed by the token projector of ``projector.py``)."""
