"""The zero-shot classification family (Table 5, Kinetics-400/600/700): ``family.py`` (the
evaluator), ``topk.py`` (top-k counting and the files ``score`` reads), ``linear_probe.py``
(the ridge map to text embeddings, for tokenizers without text)."""
