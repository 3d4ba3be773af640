"""MVBench (Li et al., "MVBench: A Comprehensive Multi-modal Video Understanding
Benchmark", CVPR 2024): 20 multiple-choice sub-tasks, for video question answering
(paper Table 5, Table 10, Appendix B.2).

Layout (the OpenGVLab/MVBench release)::

    <root>/json/<sub-task>.json            questions (:mod:`benchmarks.datasets.mvbench.questions`)
    <root>/video/<folder>/<video>          videos, one source folder per sub-task
    <root>/video/tvqa/frames_fps3_hq/<video>/00001.jpg …   episodic_reasoning: frames

The folder of each sub-task, and which sub-tasks read frame folders, are reader arguments
(``video_folders``, ``frame_tasks``) that ``tasks/mvbench.yaml`` sets from MVBench's own
loader (its ``data_list``). One sample per question (id ``<sub-task>/<index>``, its
``cluster`` the video's path under ``video/``: questions on one video are resampled
together); its
``annotation`` is a :class:`~benchmarks.datasets.annotation.MultipleChoice` (``question``,
``candidates``, ``answer_index``, ``sub_task``), its ``extra`` ``start``, ``end`` and
``frames`` (whether the video is a frame folder), which only :meth:`load` reads.

Frames (:func:`benchmarks.datasets.mvbench.sampling.segment_centres`, MVBench's
``get_index``): ``frames_per_clip`` frames at the centres of equal segments over the
video, or over [start, end] where the entry gives them; videos at their own frame rate
(0-based, up to the last frame), frame folders at ``frame_fps`` (3, "frames_fps3") with
1-based file names ``%05d.jpg``. Then the task's resize and centre crop.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.datasets.annotation import MultipleChoice
from benchmarks.datasets.base import DatasetError, DatasetInfo, Sample, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import IndexedDataset
from benchmarks.datasets.mvbench.questions import (
    SUB_TASKS,
    MVBenchQuestion,
    json_folder,
    read_questions,
)
from benchmarks.datasets.mvbench.sampling import segment_centres
from benchmarks.io.image import read_image
from benchmarks.io.sampling import FrameSampling, padded_frames
from benchmarks.io.video import DecodeError, probe_video, read_frames

log = logging.getLogger(__name__)


@dataclass
class _Parsed:
    refs: list[SampleRef] = field(default_factory=list)
    malformed: list[SampleError] = field(default_factory=list)
    missing: list[SampleError] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    questions: list[MVBenchQuestion] = field(default_factory=list)


class MVBenchDataset(IndexedDataset):
    """MVBench questions with their videos.

    Args:
        root: the MVBench folder (``json/`` and ``video/``).
        sampling: frames per clip, resize and crop (``start`` is not used: MVBench's
            segment centres are).
        video_folders: sub-task → its video folder under ``<root>/<video_dir>``; the
            sub-tasks read are these (those with a json file).
        frame_tasks: sub-tasks whose ``video`` is a folder of frames.
        frame_fps: the frame rate of those folders (MVBench: 3).
        video_dir: the folder holding the video folders.
    """

    name = "mvbench"
    annotation = MultipleChoice
    demo = DemoSet(1, "benchmarks.datasets.mvbench.demo:build",
                   "procedural clips of pyratok.demo with templated questions")

    def __init__(self, root: str | os.PathLike[str], *, sampling: FrameSampling,
                 video_folders: dict[str, str] | None = None,
                 frame_tasks: list[str] | tuple[str, ...] = ("episodic_reasoning",),
                 frame_fps: float = 3.0, video_dir: str = "video") -> None:
        self.root = Path(root)
        self.sampling = sampling
        self.video_folders = dict(video_folders or {})
        self.frame_tasks = tuple(frame_tasks)
        self.frame_fps = float(frame_fps)
        self.video_dir = video_dir
        if not self.video_folders:
            raise DatasetError(self.root, "video_folders is empty: map each sub-task to "
                               "its video folder (see tasks/mvbench.yaml)")
        unknown = sorted(set(self.video_folders) - set(SUB_TASKS)) + sorted(
            set(self.frame_tasks) - set(SUB_TASKS))
        if unknown:
            raise DatasetError(self.root, f"unknown sub-task {unknown[0]!r} in "
                               f"video_folders/frame_tasks (known: {', '.join(SUB_TASKS)})")
        if not self.root.is_dir():
            raise DatasetError(self.root, "no such folder (expected MVBench's json/ and video/)")
        if not any(json_folder(self.root).glob("*.json")):
            raise DatasetError(self.root / "json", "no <sub-task>.json files here")

    @functools.cache  # noqa: B019  (one parse per reader; readers live for one run)
    def _parse(self) -> _Parsed:
        sub_tasks = tuple(s for s in SUB_TASKS if s in self.video_folders)
        questions, bad, absent = read_questions(self.root, sub_tasks)
        parsed = _Parsed(absent=absent, questions=questions)
        if len(absent) == len(sub_tasks):
            raise DatasetError(json_folder(self.root),
                               f"none of the sub-task files {', '.join(sub_tasks)}.json")
        for entry in bad:
            row = "file" if entry.index is None else entry.index
            parsed.malformed.append(SampleError(f"row-{entry.path.stem}:{row}", entry.path,
                                                entry.reason))
        for q in questions:
            path = self.root / self.video_dir / self.video_folders[q.sub_task] / q.video
            frames = q.sub_task in self.frame_tasks
            ref = SampleRef(
                sample_id=q.question_id, path=str(path), caption=q.question,
                extra={"start": q.start, "end": q.end, "frames": frames},
                annotation=MultipleChoice(q.question, tuple(q.candidates), q.answer_index,
                                          q.sub_task),
                # questions on one video are not independent samples
                cluster=f"{self.video_folders[q.sub_task]}/{q.video}",
            )
            if not (path.is_dir() if frames else path.is_file()):
                what = "frame folder" if frames else "video"
                parsed.missing.append(SampleError(q.question_id, path, f"{what} not found"))
            else:
                parsed.refs.append(ref)
        if absent:
            log.info("mvbench: no json file for %s", ", ".join(absent))
        return parsed

    def questions(self) -> list[MVBenchQuestion]:
        """Every usable question, its video present or not (the denominator of accuracy)."""
        return list(self._parse().questions)

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        count = num_frames or self.sampling.frames_per_clip
        bound = None if ref.extra["start"] is None else (ref.extra["start"], ref.extra["end"])
        try:
            if ref.extra["frames"]:
                indices, frames = self._read_frame_folder(Path(ref.path), bound, count)
            else:
                probe = probe_video(ref.path)
                indices = segment_centres(bound, probe.fps, probe.num_frames - 1, count)
                frames = read_frames(ref.path, sorted(set(indices)))
                order = {i: k for k, i in enumerate(sorted(set(indices)))}
                frames = frames[[order[i] for i in indices]]
            video = self.sampling.transform(frames)
        except DecodeError as error:
            raise SampleError(ref.sample_id, ref.path, error.reason) from error
        except (ValueError, OSError) as error:
            raise SampleError(ref.sample_id, ref.path, str(error)) from error
        # a short video gives repeated segment centres (MVBench's own get_index)
        return Sample(ref=ref, video=video, padded_frames=padded_frames(indices))

    def _read_frame_folder(self, folder: Path, bound, count: int) -> tuple[list[int], np.ndarray]:
        """MVBench's ``read_frame``: 1-based ``%05d.jpg`` files at ``frame_fps``."""
        max_frame = len(os.listdir(folder))
        indices = segment_centres(bound, self.frame_fps, max_frame, count, first_idx=1)
        return indices, np.stack([read_image(folder / f"{i:05d}.jpg") for i in indices])

    def info(self) -> DatasetInfo:
        parsed = self._parse()
        per_task: dict[str, int] = {}
        for ref in parsed.refs:
            per_task[ref.annotation.sub_task] = per_task.get(ref.annotation.sub_task, 0) + 1
        return DatasetInfo(
            name=self.name, root=str(self.root), split="test",
            annotation_file=str(json_folder(self.root)), version=demo_version(self.root),
            extra={"questions_per_sub_task": per_task, "absent_sub_tasks": parsed.absent},
        )
