"""``diffusers-t2v``: a local diffusers text-to-video pipeline folder (Wan, CogVideoX, LTX ...).

``path=DIR``: a folder written by ``DiffusionPipeline.save_pretrained`` (``model_index.json``
beside its components), loaded with ``local_files_only=True`` — nothing is downloaded.
Clips are generated one caption per pipeline call with a ``torch.Generator`` seeded by the
clip's seed, at the task's clip length and frame size (a pipeline that needs another length
or size refuses in one line), ``output_type="pt"``. The pipeline makes pixels with its own
VAE: the tokenizer under test is not used (the summary says so), which is the "✗ PyraTok"
side of Table 2 when the pipeline is a released model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from benchmarks.generators.base import (
    GeneratedClips,
    GeneratorContext,
    GeneratorError,
    VideoGenerator,
    conditions_on,
)


class DiffusersT2VGenerator(VideoGenerator):
    name = "diffusers-t2v"

    def __init__(self, pipeline, folder: Path, context: GeneratorContext, *, steps: int,
                 guidance_scale: float) -> None:
        self.pipe = pipeline
        self.folder = folder
        self.num_frames = context.num_frames
        self.height, self.width = context.frame_size
        self.steps = steps
        self.guidance_scale = guidance_scale
        self.description = (f"diffusers {type(pipeline).__name__} from {folder} ({steps} steps, "
                            f"guidance {guidance_scale}); pixels from its own VAE, the "
                            "tokenizer under test is not used")

    def _one(self, caption: str, seed: int) -> torch.Tensor:
        out = self.pipe(prompt=caption, num_frames=self.num_frames, height=self.height,
                        width=self.width, num_inference_steps=self.steps,
                        guidance_scale=self.guidance_scale, output_type="pt",
                        generator=torch.Generator().manual_seed(int(seed)))
        frames = out.frames  # (1, t, 3, h, w) in [0, 1]
        if not torch.is_tensor(frames):
            frames = torch.as_tensor(frames)
        return frames[0].permute(1, 0, 2, 3).float() * 2 - 1  # (3, t, h, w) in [-1, 1]

    def generate(self, captions: Sequence[str], seed: Sequence[int]) -> GeneratedClips:
        clips = [self._one(c, s) for c, s in zip(captions, seed, strict=True)]
        video = torch.stack(clips).clamp(-1, 1)  # (b, 3, t, h, w)
        if video.shape[2] != self.num_frames or tuple(video.shape[-2:]) != (self.height,
                                                                            self.width):
            raise GeneratorError(f"diffusers-t2v: the pipeline made clips of "
                                 f"{tuple(video.shape[2:])} (t, h, w), the task asks for "
                                 f"{(self.num_frames, self.height, self.width)}")
        return GeneratedClips(video=video)

    def describe(self) -> dict:
        return {**super().describe(), "path": str(self.folder),
                "pipeline": type(self.pipe).__name__, "steps": self.steps,
                "guidance_scale": self.guidance_scale}


@conditions_on("text")
def create_diffusers_t2v(context: GeneratorContext, *, path: str | None = None,
                         steps: int = 25, guidance_scale: float = 5.0,
                         dtype: str = "float32") -> DiffusersT2VGenerator:
    if path is None:
        raise GeneratorError("diffusers-t2v needs --generator-arg path=DIR (a local diffusers "
                             "text-to-video pipeline folder with model_index.json)")
    folder = Path(path).expanduser()
    if not (folder / "model_index.json").is_file():
        raise GeneratorError(f"path={path}: no model_index.json there (a folder written by "
                             "DiffusionPipeline.save_pretrained is expected)")
    if dtype not in ("float32", "bfloat16", "float16"):
        raise GeneratorError(f"dtype={dtype!r}: expected float32, bfloat16 or float16")
    from diffusers import DiffusionPipeline

    try:
        pipe = DiffusionPipeline.from_pretrained(str(folder), local_files_only=True,
                                                 dtype=getattr(torch, dtype))
    except (OSError, ValueError, ImportError) as err:
        raise GeneratorError(f"path={path}: {str(err).splitlines()[0]}") from err
    pipe = pipe.to(context.device)
    pipe.set_progress_bar_config(disable=True)
    return DiffusersT2VGenerator(pipe, folder, context, steps=steps,
                                 guidance_scale=guidance_scale)
