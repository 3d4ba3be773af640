"""The ``qwen2.5-vl`` answerer: a local Qwen2.5-VL answers MVBench's prompt (App. B.2).

Two ways to see the video (task key ``vision``):

- ``vlm``: Qwen2.5-VL's own vision tower on the sampled frames (the no-tokenizer baseline
  of Table 5, "Qwen2.5VL-3B");
- ``tokenizer``: the tokenizer's tokens from all pyramid levels, projected into the
  language model's embedding space by a trained :class:`TokenProjector` (``projector``
  folder) and put in the prompt where the video goes, before the question (B.2: "projected
  into the language embedding space and prepended to the question tokens").

The prompt (:mod:`benchmarks.families.vqa.qwen_inputs`) ends with ``Best option:(`` as
MVBench's does; decoding is greedy (``do_sample=False``) for ``max_new_tokens``; the
generated text is the raw answer, read by the letter rule. Weights and tokenizer come from
the folder only (``local_files_only=True``; nothing is downloaded).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from benchmarks.families.vqa.answerers import VQAItem
from benchmarks.families.vqa.projector import TokenProjector, tokenizer_levels
from benchmarks.families.vqa.qwen_inputs import VIDEO_PAD, VideoPatching, chat_prompt


@dataclass
class QwenLM:
    """A loaded Qwen2.5-VL with its tokenizer and video constants."""

    model: Any
    text_tokenizer: Any
    patching: VideoPatching
    video_pad_id: int
    device: torch.device

    @property
    def hidden_size(self) -> int:
        return int(self.model.get_input_embeddings().weight.shape[1])

    def prompt_ids(self, item: VQAItem, n_vision: int, params: Any) -> Tensor:
        """``(1, L)`` token ids of the prompt with ``n_vision`` video placeholders."""
        text = chat_prompt(item, n_vision, system=params.system_prompt,
                           suffix=params.question_suffix, answer_prompt=params.answer_prompt)
        ids = self.text_tokenizer(text, return_tensors="pt", add_special_tokens=False)
        input_ids = ids["input_ids"].to(self.device)
        found = int((input_ids == self.video_pad_id).sum())
        if found != n_vision:
            raise ValueError(f"the tokenizer split {VIDEO_PAD} into {found} tokens for "
                             f"{n_vision} placeholders: it must be one special token")
        return input_ids

    def embeds_with(self, input_ids: Tensor, vision: Tensor) -> Tensor:
        """Token embeddings of ``input_ids`` ``(1, L)`` with the placeholders replaced by
        ``vision`` ``(n, hidden)``: ``(1, L, hidden)``."""
        embeds = self.model.get_input_embeddings()(input_ids)
        mask = input_ids[0] == self.video_pad_id
        embeds = embeds.clone()
        embeds[0, mask] = vision.to(embeds.dtype)
        return embeds

    def decode(self, new_tokens: Tensor) -> str:
        return self.text_tokenizer.decode(new_tokens, skip_special_tokens=True)


def load_qwen(path: str | Path, device: torch.device) -> QwenLM:
    """Qwen2.5-VL and its tokenizer from a local folder (``ValueError`` naming it)."""
    from transformers import AutoTokenizer, Qwen2_5_VLForConditionalGeneration

    folder = Path(path).expanduser()
    try:
        text_tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
        model = Qwen2_5_VLForConditionalGeneration.from_pretrained(
            str(folder), local_files_only=True, dtype=dtype).to(device).eval()
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"qwen_path {folder}: not a loadable Qwen2.5-VL folder with its "
                         f"tokenizer ({type(err).__name__}: {err})") from err
    for p in model.parameters():
        p.requires_grad_(False)
    return QwenLM(model=model, text_tokenizer=text_tokenizer,
                  patching=VideoPatching.from_folder(folder),
                  video_pad_id=int(model.config.video_token_id), device=device)


class QwenAnswerer:
    @staticmethod
    def required_capabilities(params: Any) -> tuple[str, ...]:
        return ("features",) if params.vision == "tokenizer" else ()

    def __init__(self, *, tokenizer: Any, params: Any, device: torch.device) -> None:
        self.tokenizer = tokenizer
        self.params = params
        self.lm = load_qwen(params.qwen_path, device)
        self.projector: TokenProjector | None = None
        if params.vision == "tokenizer":
            self.projector = TokenProjector.load(Path(params.projector).expanduser())
            if self.projector.config.hidden_size != self.lm.hidden_size:
                raise ValueError(f"projector {params.projector} maps to "
                                 f"{self.projector.config.hidden_size} channels; the LM "
                                 f"has {self.lm.hidden_size}")
            self.projector.to(device).eval()

    @torch.no_grad()
    def answer(self, video: Tensor, items: list[VQAItem]) -> list[str]:
        return [self._one(video[i], item) for i, item in enumerate(items)]

    def _one(self, clip: Tensor, item: VQAItem) -> str:
        lm, params = self.lm, self.params
        greedy = {"do_sample": False, "max_new_tokens": params.max_new_tokens,
                  "pad_token_id": lm.text_tokenizer.pad_token_id
                  or lm.text_tokenizer.eos_token_id}
        if self.projector is None:  # the VLM's own vision tower
            pixels, grid = lm.patching.patches(clip)
            input_ids = lm.prompt_ids(item, lm.patching.n_tokens(grid), params)
            out = lm.model.generate(
                input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                pixel_values_videos=pixels.to(lm.device, lm.model.dtype),
                video_grid_thw=grid.to(lm.device),
                second_per_grid_ts=torch.tensor(
                    [lm.patching.temporal_patch_size / lm.patching.fps], device=lm.device),
                mm_token_type_ids=(input_ids == lm.video_pad_id).int() * 2,
                **greedy)
            return lm.decode(out[0, input_ids.shape[1]:])
        vision = self.projector(tokenizer_levels(self.tokenizer, clip[None]))[0]  # (n, hidden)
        input_ids = lm.prompt_ids(item, vision.shape[0], params)
        embeds = lm.embeds_with(input_ids, vision)
        out = lm.model.generate(inputs_embeds=embeds,
                                attention_mask=torch.ones_like(input_ids), **greedy)
        return lm.decode(out[0])  # with inputs_embeds only, generate returns new tokens
