"""A template plug-in: your own checkout of a tokenizer with no package, as a harness tokenizer.

:func:`checkout_tokenizer.wrapper.create_checkout_tokenizer` takes ``path=`` (your clone),
``checkpoint=`` (its weights) and ``loader=`` (``"module:callable"``, your glue that builds
the model); ``pyproject.toml`` registers it in the ``benchmarks.tokenizers`` entry-point
group. Nothing here is imported until the harness first uses it.
"""
