"""An example third-party package for the video-tokenizer harness (``benchmarks``).

It registers, through entry points declared in its ``pyproject.toml``:

- the tokenizer ``example-posterize`` (:mod:`.tokenizer`, group ``benchmarks.tokenizers``);
- the task family ``temporal_flicker`` (:mod:`.family`, group ``benchmarks.families``);
- the dataset ``example-squares`` (:mod:`.dataset`, group ``benchmarks.datasets``), whose
  reader declares its demo set (:mod:`.demo`, built by the harness on first use);
- the task ``example-flicker`` (``tasks/example-flicker.yaml``, group ``benchmarks.tasks``).

Nothing here is imported until the harness first uses one of them.
"""
