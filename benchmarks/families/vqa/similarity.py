"""The ``similarity`` answerer: the option whose text is nearest to the clip.

Each candidate's text (``candidate_template`` filled with it; with ``join_question`` the
question first, then the candidate) is embedded with the tokenizer's text encoder
(``embed_text``) and compared by cosine with the tokenizer's L2-normalised clip embedding
(``embed_video``, ``level``: all levels by default); the highest wins (the first on
ties). No language model: a zero-shot baseline that needs a text-aligned tokenizer.
The answer is written ``"(X) <candidate>"``, read by the letter rule like any other.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.families.vqa.answerers import VQAItem
from benchmarks.families.vqa.parse import option_letter


class SimilarityAnswerer:
    @staticmethod
    def required_capabilities(params: Any) -> tuple[str, ...]:
        return ("features", "text")

    def __init__(self, *, tokenizer: Any, params: Any, device: torch.device) -> None:
        self.tokenizer = tokenizer
        self.params = params

    def texts(self, item: VQAItem) -> list[str]:
        """The texts embedded for ``item``'s candidates, in option order."""
        texts = [self.params.candidate_template.format(c) for c in item.candidates]
        if self.params.join_question:
            texts = [f"{item.question} {t}" for t in texts]
        return texts

    @torch.no_grad()
    def answer(self, video: Tensor, items: list[VQAItem]) -> list[str]:
        clips = F.normalize(self.tokenizer.embed_video(video, level=self.params.level).float(),
                            dim=-1)  # (b, d)
        texts = [self.texts(item) for item in items]
        flat = F.normalize(self.tokenizer.embed_text([t for ts in texts for t in ts]).float(),
                           dim=-1).to(clips.device)  # (sum of candidates, d)
        answers, start = [], 0
        for i, item in enumerate(items):
            scores = flat[start : start + len(item.candidates)] @ clips[i]  # (n,)
            start += len(item.candidates)
            best = int(torch.argmax(scores))  # the first maximum on ties
            answers.append(f"({option_letter(best)}) {item.candidates[best]}")
        return answers
