"""The compression family (Table 7, MCL-JCV): ``family.py`` (the evaluator: rate targets,
bitstreams) and ``fidelity.py`` (a decoded sequence's fidelity, accumulated chunk by chunk)."""
