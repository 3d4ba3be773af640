"""Standard codecs as tokenizers: ``h264``, ``hevc`` (PyAV) and ``vvc`` (FFmpeg + VVenC).

See :mod:`benchmarks.tokenizers.codecs.base` for how a codec fits the tokenizer interface.
"""
