"""Zero-shot temporal action localization (paper §4.2, Table 4; method Appendix B.3).

Per video (streamed in bounded memory,
:mod:`benchmarks.families.localization.frame_stream`): frames sampled at ``sample_fps``,
per-frame features of level q^(1) (``level: 0``), mean-pooled over space and mapped back
to frames with the level's causal time map; the cosine similarity ``s_t`` of each frame
with the L2-normalised text embedding of every class prompt. The per-class similarities
(and the frame features) are stored in the run's side files, so a τ sweep or a resumed run
never re-encodes.

Dataset level (``finalize``): :func:`decode_segments` (B.3's sliding window, K = 25, and
connected runs above τ) turns each similarity into segments; detection mAP over tIoU
thresholds (:mod:`benchmarks.families.localization.detection_map`, the ActivityNet
algorithm), under Table 4's 50% seen / 50% unseen protocol
(:mod:`benchmarks.families.localization.protocol`) or all classes at a fixed τ. THUMOS14's
Ambiguous segments are never false positives, and the task's ``exclude_videos`` are left
out (both as the official evaluation does; see
:mod:`benchmarks.families.localization.detection_map` and ``tasks/thumos14.yaml``).

Files: with a dataset whose classes have official THUMOS14 indices (``class_indices`` of
the reader's info), the detections are written in the THUMOS14 result text format
(:mod:`benchmarks.families.localization.thumos_files`): ``thumos14_results.txt``
(``all_classes``), or ``thumos14_results/seed<k>.txt`` per split (``seen_unseen``: the
unseen classes at the split's τ, named in ``splits.json``). ``score`` of such a file, with
``score_ids`` set to the run's ``evaluated_ids.txt`` (and, for a split file,
``score_classes`` to its unseen classes), reproduces the run's mAP.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import torch

from benchmarks.datasets.annotation import TemporalSegments
from benchmarks.datasets.base import Dataset, DatasetInfo, Sample
from benchmarks.families.base import (  # segmentation's list is alike in shape: no fold
    Evaluation,
    MetricInfo,
    SampleResult,
    ScoreInputs,
    ScoreMode,
    StoredRecord,
    TaskFamily,
)
from benchmarks.families.localization.detection_map import THUMOS14_THRESHOLDS
from benchmarks.families.localization.frame_stream import sampled_indices, stream_frame_features
from benchmarks.families.localization.segments import decode_segments
from benchmarks.features.zero_shot import checked_templates, class_text_embeddings
from benchmarks.store import write_json_atomic

if TYPE_CHECKING:  # score mode's readers load on first use
    from benchmarks.families.localization.score import Detections, TalGroundTruth

__all__ = ["LocalizationFamily", "LocalizationParams", "decode_segments"]

log = logging.getLogger(__name__)

# The run's detections in the dataset's own result format, which `score` reads back:
# all_classes: <dataset>_results.txt (THUMOS14 text format, where classes have official
# indices) or .json (ActivityNet results JSON); seen_unseen: <dataset>_results/seed<k>.*
RESULTS_STEM = "{dataset}_results"


@dataclass(frozen=True)
class LocalizationParams:
    """Family-specific YAML keys (the task YAMLs cite each value's source).

    Attributes:
        level: pyramid level of the frame features (0 = q^(1), B.3).
        templates: prompt templates with one ``{}`` for the class phrase (ensembled).
        sample_fps: frames per second read from the video (``null``: every frame).
        clip_frames: sampled frames scored per tokenizer call (streaming).
        context: frames of the previous clip re-encoded before each clip.
        window: K of the sliding window, in sampled frames (B.3: 25).
        protocol: ``seen_unseen`` (Table 4) or ``all_classes`` (fixed ``tau``).
        split_seeds: one seed per class split (``seen_unseen``).
        seen_fraction: the share of classes that is seen (Table 4: 50%).
        tau_grid: τ candidates chosen from on the seen classes.
        tau: the fixed τ of ``all_classes``.
        max_instances: segments kept per class and video.
        thresholds: tIoU thresholds of the mAP.
        plot: write ``<run>/plots/<video>.png`` (similarity, τ, predicted and GT segments).
        shuffle_prompts: seed of a permutation of the prompts across classes (a control).
        score_subset: ``score``: the ActivityNet-JSON subset (null: all) or the THUMOS14
            annotation folder's split (``test`` / ``val``; null: test if present).
        exclude_videos: videos left out of the evaluation: ``run`` drops their records,
            ``score`` their ground truth, and ignores (and counts) their detections.
        score_ids: ``score``: a file of video ids, one a line (a run's
            ``evaluated_ids.txt``): only these videos are evaluated, detections on other
            annotated videos are ignored and counted (null: every annotated video).
        score_classes: ``score``: the classes averaged over (null: every class).
    """

    level: int = 0
    templates: tuple[str, ...] = ("a video of a person {}.",)
    sample_fps: float | None = 10.0
    clip_frames: int = 32
    context: int = 8
    window: int = 25
    protocol: Literal["seen_unseen", "all_classes"] = "seen_unseen"
    split_seeds: tuple[int, ...] = tuple(range(10))
    seen_fraction: float = 0.5
    tau_grid: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(-4, 17))
    tau: float = 0.2
    max_instances: int = 5
    thresholds: tuple[float, ...] = THUMOS14_THRESHOLDS
    plot: bool = False
    shuffle_prompts: int | None = None
    score_subset: str | None = None
    exclude_videos: tuple[str, ...] = ()
    score_ids: str | None = None
    score_classes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("templates", "split_seeds", "tau_grid", "thresholds", "exclude_videos"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.score_classes is not None:
            object.__setattr__(self, "score_classes", tuple(self.score_classes))
        checked_templates(self.templates)
        if self.protocol not in ("seen_unseen", "all_classes"):
            raise ValueError(f"protocol must be seen_unseen or all_classes, got {self.protocol!r}")
        if min(self.clip_frames, self.window, self.max_instances) < 1 or self.context < 0:
            raise ValueError("clip_frames, window, max_instances must be >= 1, context >= 0")
        if not 0 < self.seen_fraction < 1:
            raise ValueError(f"seen_fraction must be in (0, 1), got {self.seen_fraction}")
        if not self.split_seeds or not self.tau_grid or not self.thresholds:
            raise ValueError("split_seeds, tau_grid and thresholds must not be empty")
        if self.sample_fps is not None and self.sample_fps <= 0:
            raise ValueError(f"sample_fps must be > 0 or null, got {self.sample_fps}")


class LocalizationFamily(
    TaskFamily[LocalizationParams],
    ScoreMode["LocalizationParams | None", "TalGroundTruth", "Detections"],
):
    name = "localization"
    needs_annotation = TemporalSegments
    Params = LocalizationParams
    requires = ("features", "text")
    # Only what the stored similarities depend on is hashed: τ, the protocol and the
    # evaluation change no stored record, so a sweep over them resumes every video.
    unhashed_params = ("window", "protocol", "split_seeds", "seen_fraction", "tau_grid",
                       "tau", "max_instances", "thresholds", "plot", "score_subset",
                       "exclude_videos", "score_ids", "score_classes")
    score_only_params = ("score_ids", "score_classes")
    score_inputs = ScoreInputs(annotations_folder=True)  # THUMOS14's folder, as shipped
    prediction_files: ClassVar[dict[str, str]] = {
        "<dataset>_results.txt": "THUMOS14 detection results (video, start, end, class "
                                 "index, score), where the classes have official indices",
        "<dataset>_results.json": "ActivityNet detection results JSON, otherwise",
        "<dataset>_results/": "seen_unseen: one such file per class split (seed<S>)",
        "splits.json": "seen_unseen: each split's classes, tau and mAP",
    }
    metrics: ClassVar[tuple[MetricInfo, ...]] = (MetricInfo("average_mAP", True, "%"),)
    aggregation = (
        "detection mAP (ActivityNet algorithm, VOC-interpolated AP per class) at each tIoU "
        "threshold, in percent, averaged over thresholds; seen_unseen: tau chosen on the "
        "seen half of each class split, mAP on the unseen half, averaged over splits"
    )
    short_clips = (
        "none: the whole untrimmed video is streamed at sample_fps (no clip length)"
    )

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or LocalizationParams(), tokenizer, device=device)
        self.classes: tuple[str, ...] = ()
        self._text: torch.Tensor | None = None
        self._gt: dict[str, list[tuple[str, float, float]]] = {}
        self._ambiguous: dict[str, list[tuple[float, float]]] = {}

    def sampling_text(self, num_frames: int) -> str:
        """TAL reads whole videos at ``sample_fps``, not ``frames_per_clip``-frame clips."""
        p = self.params
        rate = "every frame" if p.sample_fps is None else f"frames at {p.sample_fps:g} fps"
        return f"{rate}, encoded in chunks of {p.clip_frames} (+{p.context} context)"

    def setup(self, dataset: Dataset, info: DatasetInfo) -> None:
        if not info.classes:
            raise ValueError(f"{info.annotation_file}: the dataset lists no classes")
        self.classes = tuple(info.classes)
        prompts = dict(info.prompts or {})
        phrases = [prompts.get(c, c) for c in self.classes]
        if self.params.shuffle_prompts is not None:
            order = np.random.default_rng(self.params.shuffle_prompts).permutation(len(phrases))
            phrases = [phrases[i] for i in order]
        self._phrases = phrases
        self._gt = {r.sample_id: list(r.annotation.segments) for r in dataset.refs()}
        self._ambiguous = {r.sample_id: list(r.annotation.ambiguous) for r in dataset.refs()}
        with torch.no_grad():
            self._text = class_text_embeddings(
                self.tokenizer.embed_text, phrases, list(self.params.templates)
            ).to(self.device, torch.float32)  # (C, d)

    # per video ----------------------------------------------------------------------------

    def score(self, samples: list[Sample]) -> list[SampleResult]:
        return [self._score_video(s) for s in samples]

    def _score_video(self, sample: Sample) -> SampleResult:
        extra = sample.ref.extra
        native_fps, num_frames = float(extra["fps"]), int(extra["num_frames"])
        indices = sampled_indices(num_frames, native_fps, self.params.sample_fps)
        features = stream_frame_features(
            self.tokenizer, sample.ref.path, indices, self.config.sampling,
            level=self.params.level, clip_frames=self.params.clip_frames,
            context=self.params.context, device=self.device,
        )  # (N, d)
        similarity = (self._text.cpu() @ torch.from_numpy(features).T).numpy()  # (C, N)
        times = np.append(indices / native_fps, num_frames / native_fps)
        return SampleResult(
            prediction={"sampled_frames": len(indices), "native_fps": native_fps,
                        "sample_fps": self.params.sample_fps},
            arrays={"similarity": similarity.astype(np.float32), "times": times,
                    "features": features.astype(np.float16)},
        )

    # dataset level ------------------------------------------------------------------------

    def finalize(self, records: list[StoredRecord], info: DatasetInfo) -> Evaluation:
        from benchmarks.families.localization.protocol import (
            VideoScores,
            evaluate_classes,
            seen_unseen,
        )

        p = self.params
        excluded = set(p.exclude_videos)
        videos = {}
        for r in records:
            if r.sample_id in excluded:  # the reader usually drops them already
                continue
            arrays = r.arrays()
            videos[r.sample_id] = VideoScores(arrays["similarity"], arrays["times"])
        gt = {vid: self._gt.get(vid, []) for vid in videos}
        ambiguous = {vid: self._ambiguous[vid] for vid in videos if self._ambiguous.get(vid)}
        kw = dict(window=p.window, max_instances=p.max_instances, thresholds=p.thresholds,
                  ambiguous=ambiguous)
        indices = info.class_indices
        files: dict[str, str] = {}
        if p.protocol == "seen_unseen":
            mean, per_split = seen_unseen(gt, videos, self.classes, seeds=p.split_seeds,
                                          seen_fraction=p.seen_fraction, tau_grid=p.tau_grid,
                                          **kw)
            if self.run_dir is not None:
                files["results"] = self._write_split_results(info.name, videos, per_split,
                                                             indices)
            if self.run_dir is not None:
                write_json_atomic(self.run_dir / "splits.json", {"splits": per_split})
                files["splits"] = "splits.json"
            average = mean.pop("average")
            defined = mean.pop("n_splits_defined")
            extra = {"protocol": "seen_unseen", "n_splits": len(per_split),
                     "n_splits_with_ground_truth": defined, "mAP": mean,
                     "tau_per_split": [s["tau"] for s in per_split]}
            plot_tau = float(np.median([s["tau"] for s in per_split]))
        else:
            result = evaluate_classes(gt, videos, self.classes, range(len(self.classes)),
                                      tau=p.tau, **kw)
            average, mean = result.average_map, dict(result.map_per_threshold)
            extra = {"protocol": "all_classes", "tau": p.tau, "mAP": mean,
                     "n_predictions_on_ambiguous": result.n_on_ambiguous}
            plot_tau = p.tau
            if self.run_dir is not None:
                files["results"] = self._write_results(
                    RESULTS_STEM.format(dataset=info.name), videos,
                    range(len(self.classes)), p.tau, indices)
        extra["excluded_videos"] = sorted(excluded)
        extra["n_excluded_scored"] = sum(r.sample_id in excluded for r in records)
        extra.update(n_videos=len(videos), n_classes=len(self.classes),
                     sample_fps=p.sample_fps, window=p.window, level=p.level,
                     **({"shuffled_prompts": True} if p.shuffle_prompts is not None else {}))
        if p.plot and self.artifacts_dir is not None:
            from benchmarks.families.localization.plots import plot_video

            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
            for vid, scores in videos.items():
                plot_video(self.artifacts_dir / f"{vid}.png", vid, scores, gt[vid],
                           self.classes, tau=plot_tau, window=p.window,
                           max_instances=p.max_instances)
        # per-threshold mAP lives in evaluation.mAP; the declared metric is the average
        # (None, not NaN, where no evaluated class has ground truth)
        if average is not None and np.isnan(average):
            average = None
        extra["mAP"] = {k: None if v is None or np.isnan(v) else v for k, v in mean.items()}
        return Evaluation(metrics={"average_mAP": average}, extra=extra, files=files)

    # compare's bootstrap ------------------------------------------------------------------

    def bootstrap_statistics(self, records: list[StoredRecord], info: DatasetInfo):
        """Every video's detections at every τ the protocol reads, matched once
        (:mod:`benchmarks.families.localization.bootstrap`)."""
        from benchmarks.families.localization.bootstrap import detection_statistics
        from benchmarks.families.localization.protocol import VideoScores

        p = self.params
        excluded = set(p.exclude_videos)
        videos = []
        for r in records:
            if r.sample_id in excluded:  # kept in place, with nothing in it
                videos.append((r.sample_id, None))
                continue
            arrays = r.arrays()
            videos.append((r.sample_id, VideoScores(arrays["similarity"], arrays["times"])))
        taus = p.tau_grid if p.protocol == "seen_unseen" else (p.tau,)
        return detection_statistics(self._gt, videos, self.classes, taus=taus,
                                    window=p.window, max_instances=p.max_instances,
                                    thresholds=p.thresholds, ambiguous=self._ambiguous)

    def evaluate_statistics(self, statistics, order) -> dict[str, float | None]:
        from benchmarks.families.localization.bootstrap import drawn_ap
        from benchmarks.families.localization.detection_map import class_mean_percent
        from benchmarks.families.localization.protocol import seen_unseen_of

        p = self.params
        if p.protocol == "seen_unseen":
            ap_of = functools.cache(lambda tau: drawn_ap(statistics, tau, order))
            mean, _ = seen_unseen_of(ap_of, self.classes, seeds=p.split_seeds,
                                     seen_fraction=p.seen_fraction, tau_grid=p.tau_grid,
                                     thresholds=p.thresholds)
            average = mean["average"]
        else:
            average = float(class_mean_percent(drawn_ap(statistics, p.tau, order)).mean())
        return {"average_mAP": None if average is None or np.isnan(average) else average}

    def _write_results(self, stem: str, videos, class_ids, tau: float,
                       indices: dict[str, int] | None) -> str:
        """Detections of ``class_ids`` at ``tau`` → ``<run>/<stem>.txt`` in the THUMOS14
        result text format where the classes have official indices, else
        ``<run>/<stem>.json`` as ActivityNet results; returns the file's name."""
        from benchmarks.families.localization.activitynet_files import write_detection_results
        from benchmarks.families.localization.protocol import detect
        from benchmarks.families.localization.thumos_files import write_thumos_results

        p = self.params
        found = detect(videos, self.classes, class_ids, tau=tau, window=p.window,
                       max_instances=p.max_instances)
        name = stem + (".txt" if indices else ".json")
        (self.run_dir / name).parent.mkdir(parents=True, exist_ok=True)
        if indices:
            write_thumos_results(self.run_dir / name, found, indices)
        else:
            write_detection_results(self.run_dir / name, found)
        return name

    def _write_split_results(self, dataset: str, videos, per_split: list[dict],
                             indices: dict[str, int] | None) -> str:
        """One file per split: its unseen classes at its τ (named in each split's record)."""
        index = {c: i for i, c in enumerate(self.classes)}
        folder = RESULTS_STEM.format(dataset=dataset)
        for split in per_split:
            split["results_file"] = self._write_results(
                f"{folder}/seed{split['seed']}", videos,
                [index[c] for c in split["unseen_classes"]], split["tau"], indices)
        return folder + "/"

    # score mode ---------------------------------------------------------------------------

    @classmethod
    def score_ground_truth(cls, path: Path, params: LocalizationParams | None) -> TalGroundTruth:
        from benchmarks.families.localization.score import read_ground_truth

        return read_ground_truth(path, params)

    @classmethod
    def score_predictions(cls, path: Path, ground_truth: TalGroundTruth,
                          params: LocalizationParams | None) -> Detections:
        from benchmarks.families.localization.score import read_predictions

        return read_predictions(path, ground_truth)

    @classmethod
    def score_evaluate(cls, ground_truth: TalGroundTruth, predictions: Detections,
                       params: LocalizationParams | None) -> Evaluation:
        from benchmarks.families.localization.score import evaluate

        return evaluate(ground_truth, predictions, params)
