"""``python -m tests.helpers.slow_run ARGS``: the CLI with a deliberately slow tokenizer.

Registers ``slow-avgpool`` (avgpool that sleeps per clip) and ``slow-pyratok`` (the
bundled PyraTok, sleeping per clip embedding) so a test can SIGKILL a run part-way
through, then calls ``benchmarks.cli.main`` with the given arguments.
"""

from __future__ import annotations

import dataclasses
import sys
import time

from benchmarks.cli import finish, main
from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.avgpool import AvgPoolTokenizer


class SlowAvgPool(AvgPoolTokenizer):
    def encode(self, video, texts=None):
        time.sleep(0.4)
        return super().encode(video, texts)


def create_slow() -> SlowAvgPool:
    tok = SlowAvgPool()
    tok.spec = tok.spec.__class__(**{**tok.spec.to_dict(), "name": "slow-avgpool"})
    return tok


def create_slow_pyratok(**kwargs):
    from benchmarks.tokenizers.pyratok import create_pyratok

    tok = create_pyratok(**kwargs)
    fast = tok.embed_video

    def embed_video(video, level=None):
        time.sleep(0.3)
        return fast(video, level=level)

    tok.embed_video = embed_video
    tok.spec = dataclasses.replace(tok.spec, name="slow-pyratok")
    return tok


if "slow-avgpool" not in TOKENIZERS:
    TOKENIZERS.register("slow-avgpool")(create_slow)
if "slow-pyratok" not in TOKENIZERS:
    TOKENIZERS.register("slow-pyratok")(create_slow_pyratok)

if __name__ == "__main__":
    finish(main(sys.argv[1:]))
