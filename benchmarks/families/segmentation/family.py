"""Zero-shot video instance segmentation (paper Table 3; method Appendix B.1; data E.2).

Per video (:mod:`benchmarks.families.segmentation.masks`): relevance of every token of
level q^(L) (``level: -1``) with every category name's text embedding; softmax over the
units plus a background of constant score; probabilities upsampled to a pixel grid
following the level's strides (the frames resized, never cropped; the grid's longer side
capped at ``crf_max_side``); a fully connected 3D CRF over (t, y, x)
(:mod:`benchmarks.families.segmentation.crf3d`; ``crf: false`` keeps the raw
probabilities); per-unit masks split into spatio-temporal connected components, each an
instance with a score, RLE-encoded at the original frame size. The instances are the
record's ``prediction``.

Dataset level (``finalize``): YTVOSeval's AP / AR and DAVIS J
(:mod:`benchmarks.families.segmentation.evaluation`) over the evaluated videos; the
results are also written in the official format (``results.json``), which ``score`` reads
back; the held-out draw is in the summary and the evaluated video ids in the run's
``evaluated_ids.txt``, so ``score`` evaluates the same subset
(:mod:`benchmarks.families.segmentation.files`). On a split without public masks (the
official valid/test files: ``"annotations": null``) no metric exists locally: each is
listed under ``unavailable`` with that one reason, and ``submission.zip``
(``results.json`` at its root) is written for the CodaLab server; the run is not a
failure.

On the demo sets the bundled checkpoint (``pyratok/checkpoints/pyratok-demo``) does not
name shapes: over 20 demo clips, the cosine of a shape's name ("a video of a circle") with
the tokens on the shape is *lower* than with the background tokens at every level (by
0.10-0.21), and the best-scoring name is the object's shape for 3-7 of 36 objects (chance
7.2). Its tokens do name colours (84% of the finest level's object tokens pick the
object's colour among 8), so the demo sets' categories are colours, and their task
overrides use level 0 and a background prompt (the task YAMLs say why and what each gives).

About 400 lines: the family, its ``Params`` with their checks and its score-mode adapters;
masks, CRF, evaluation, files and prompts are the package's other modules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.datasets.annotation import VideoTracks
from benchmarks.datasets.base import Dataset, DatasetInfo, Sample
from benchmarks.datasets.ytvis.annotations import VisAnnotations, VisVideo
from benchmarks.datasets.ytvis.mask_check import show
from benchmarks.families.base import (
    Evaluation,
    MetricInfo,
    SampleResult,
    ScoreInputError,
    ScoreMode,
    StoredRecord,
    TaskFamily,
)
from benchmarks.families.segmentation.crf3d import INSTALL_HINT, CrfParams, crf_available
from benchmarks.families.segmentation.evaluation import METRIC_NAMES, Track
from benchmarks.features.zero_shot import checked_templates, class_text_embeddings
from benchmarks.store import write_json_atomic

if TYPE_CHECKING:  # score mode's readers load on first use
    from benchmarks.config import TaskConfig
    from benchmarks.families.segmentation.files import VisGroundTruth, VisSubset

__all__ = ["SegmentationFamily", "SegmentationParams", "crf_grid"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegmentationParams:
    """Family-specific YAML keys (the task YAMLs cite each value's source).

    Attributes:
        level: pyramid level of the features (-1 = q^(L), B.1).
        templates: prompt templates with one ``{}`` for the category name (ensembled).
        clip_frames: frames per tokenizer call.
        background_score: the background's constant score (cosine units) in the softmax;
            with ``background_prompt``, a margin added to that prompt's relevance.
        background_prompt: a text (used as is, no template) whose per-token relevance,
            plus ``background_score``, is the background's score (null: a constant).
        temperature: softmax temperature over the scores.
        max_units: units (categories) kept as CRF labels per video (null: all).
        upsample: ``bilinear`` or ``nearest`` token-to-pixel upsampling.
        crf: run the 3D CRF (``false``: argmax of the raw probabilities).
        crf_max_side: the CRF grid's longer side (null: the model input's size).
        crf_scale: run the CRF on a grid ``crf_scale`` times as fine as that (0 < s <= 1;
            spatial kernel widths scaled with it) and upsample its marginals back
            bilinearly before the masks are cut (ours: a speed option; 1.0 = no resampling).
        crf_iterations, crf_*: :class:`~benchmarks.families.segmentation.crf3d.CrfParams`.
        min_voxels: smallest component (grid voxels) kept as an instance.
        max_instances: instances kept per video (YTVOSeval reads at most 100).
        plot: write ``<run>/plots/<video>.png`` overlays of predicted and GT masks.
        shuffle_class_names: seed of a permutation of the names given to the text encoder
            (a control: the category ids stay, their names move).
        prompt: a free-text prompt whose words/phrases are the semantic units instead of
            the category names (:mod:`benchmarks.families.segmentation.prompt`); a phrase equal to a
            category name is scored as that category, the others are kept unscored.
        score_ids: ``score`` only: a file of video ids (one a line), e.g. a run's
            ``evaluated_ids.txt``, evaluated instead of the task's held-out draw.
    """

    level: int = -1
    templates: tuple[str, ...] = ("a video of a {}.",)
    clip_frames: int = 17
    background_score: float = 0.2
    background_prompt: str | None = None
    temperature: float = 0.05
    max_units: int | None = 5
    upsample: Literal["bilinear", "nearest"] = "bilinear"
    crf: bool = True
    crf_max_side: int | None = 320
    crf_scale: float = 1.0
    crf_iterations: int = 5
    crf_gaussian_sxy: float = 3.0
    crf_gaussian_st: float = 1.0
    crf_gaussian_weight: float = 3.0
    crf_bilateral_sxy: float = 40.0
    crf_bilateral_st: float = 2.0
    crf_bilateral_srgb: float = 13.0
    crf_bilateral_weight: float = 10.0
    min_voxels: int = 8
    max_instances: int = 10
    plot: bool = False
    shuffle_class_names: int | None = None
    prompt: str | None = None
    score_ids: str | None = None

    # field list and checks of the same shape as ClassificationParams' (each family's own keys)
    def __post_init__(self) -> None:
        object.__setattr__(self, "templates", checked_templates(self.templates))
        if self.upsample not in ("bilinear", "nearest"):
            raise ValueError(f"upsample must be bilinear or nearest, got {self.upsample!r}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if min(self.clip_frames, self.min_voxels, self.max_instances, self.crf_iterations) < 1:
            raise ValueError("clip_frames, min_voxels, max_instances, crf_iterations must be >= 1")
        if self.max_units is not None and self.max_units < 1:
            raise ValueError(f"max_units must be >= 1 or null, got {self.max_units}")
        if self.prompt is not None:  # fail at config time, before any video is read
            from benchmarks.families.segmentation.prompt import prompt_units

            prompt_units(self.prompt, [])
        if self.crf_max_side is not None and self.crf_max_side < 8:
            raise ValueError(f"crf_max_side must be >= 8 or null, got {self.crf_max_side}")
        if not 0 < self.crf_scale <= 1:
            raise ValueError(f"crf_scale must be in (0, 1], got {self.crf_scale}")

    @property
    def crf_params(self) -> CrfParams:
        return CrfParams(
            iterations=self.crf_iterations, gaussian_sxy=self.crf_gaussian_sxy,
            gaussian_st=self.crf_gaussian_st, gaussian_weight=self.crf_gaussian_weight,
            bilateral_sxy=self.crf_bilateral_sxy, bilateral_st=self.crf_bilateral_st,
            bilateral_srgb=self.crf_bilateral_srgb, bilateral_weight=self.crf_bilateral_weight,
        ).scaled(self.crf_scale)


def crf_grid(size: tuple[int, int], max_side: int | None) -> tuple[int, int]:
    """The CRF grid for frames of ``size``: the same aspect, longer side <= ``max_side``."""
    h, w = size
    if max_side is None or max(h, w) <= max_side:
        return h, w
    return scaled_grid(size, max_side / max(h, w))


def scaled_grid(grid: tuple[int, int], scale: float) -> tuple[int, int]:
    """``grid`` times ``scale``, each side rounded, at least 1."""
    if scale == 1.0:
        return grid
    h, w = grid
    return max(1, round(h * scale)), max(1, round(w * scale))


class SegmentationFamily(
    TaskFamily[SegmentationParams],
    ScoreMode["VisSubset", "VisGroundTruth", "list[Track]"],
):
    name = "segmentation"
    needs_annotation = VideoTracks
    Params = SegmentationParams
    requires = ("features", "text")
    unhashed_params = ("plot", "score_ids")
    score_only_params = ("score_ids",)
    prediction_files: ClassVar[dict[str, str]] = {
        "results.json": "YouTube-VIS results JSON [{video_id, category_id, segmentations "
                        "(RLE per frame), score}] (what `score` reads)",
        "submission.zip": "results.json zipped for the CodaLab server (a split without "
                          "public masks)",
    }
    metrics: ClassVar[tuple[MetricInfo, ...]] = tuple(
        MetricInfo(m, True, "%") for m in METRIC_NAMES)
    aggregation = (
        "YTVOSeval (YouTube-VIS cocoapi): AP over IoU 0.5:0.05:0.95 with track IoU "
        "sum(intersection)/sum(union) over frames, 101-point precision, max detections "
        "1/10/100, areas split at 128^2 and 256^2, in percent; J: DAVIS region similarity "
        "of each ground-truth track with its best-IoU result of the same category"
    )
    short_clips = (
        "none: every annotated frame of the video is scored (no clip length)"
    )

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or SegmentationParams(), tokenizer, device=device)
        self._text: torch.Tensor | None = None
        self._category_ids: list[int] = []
        self._gt: dict[str, list[dict[str, Any]]] = {}
        self._unavailable: dict[str, str] = {}
        self._checked: dict[str, list[dict[str, Any]]] = {}  # sample id -> its instances

    def unavailable(self) -> dict[str, str]:
        """Every metric, on a split without public masks (set by :meth:`finalize`)."""
        return dict(self._unavailable)

    @classmethod
    def check_tokenizer(cls, tokenizer, params) -> str | None:
        if params is not None and params.crf and not crf_available():
            return INSTALL_HINT
        return super().check_tokenizer(tokenizer, params)

    def setup(self, dataset: Dataset, info: DatasetInfo) -> None:
        if not info.classes:
            raise ValueError(f"{info.annotation_file}: the dataset lists no categories")
        self._category_ids = list(info.category_ids or ())
        names = list(info.classes)
        self._class_ids, self._class_names = list(self._category_ids), list(names)
        if self.params.prompt is not None:
            from benchmarks.families.segmentation.prompt import prompt_units

            units = prompt_units(self.params.prompt, names)
            self._prompt_units = units
            self._category_ids = [None if u.category is None else self._category_ids[u.category]
                                  for u in units]
            names = [u.phrase for u in units]
        if self.params.shuffle_class_names is not None:
            order = np.random.default_rng(self.params.shuffle_class_names).permutation(len(names))
            names = [names[i] for i in order]
        self._names = names
        self._gt = {r.sample_id: list(r.annotation.tracks) for r in dataset.refs()}
        self._video_ids = {r.sample_id: r.annotation.video_id for r in dataset.refs()}
        self._videos = VisAnnotations(  # what a stored record is checked against on resume
            videos={r.annotation.video_id: VisVideo(r.annotation.video_id,
                                                    tuple(r.extra["file_names"]),
                                                    int(r.extra["height"]),
                                                    int(r.extra["width"]))
                    for r in dataset.refs()},
            categories=dict(zip(self._class_ids, self._class_names, strict=True)), tracks={})
        with torch.no_grad():
            self._text = class_text_embeddings(
                self.tokenizer.embed_text, names, list(self.params.templates)
            ).to(self.device, torch.float32)  # (K, d)
            if self.params.background_prompt is not None:
                background = self.tokenizer.embed_text([self.params.background_prompt])
                background = F.normalize(background.to(self.device, torch.float32), dim=-1)
                self._text = torch.cat([self._text, background])  # (K + 1, d)

    # per video ----------------------------------------------------------------------------

    def score(self, samples: list[Sample]) -> list[SampleResult]:
        return [self._score_video(s) for s in samples]

    def _score_video(self, sample: Sample) -> SampleResult:
        from benchmarks.families.segmentation.crf3d import refine, upsample_marginals
        from benchmarks.families.segmentation.masks import (
            extract_instances,
            to_grid,
            token_relevance,
            unit_probabilities,
        )

        p = self.params
        extra = sample.ref.extra
        video = sample.video  # (3, t, h, w) in [0, 1], resized
        input_size = (int(video.shape[2]), int(video.shape[3]))
        output_size = (int(extra["height"]), int(extra["width"]))
        relevance, stride = token_relevance(self.tokenizer, video, self._text, level=p.level,
                                            clip_frames=p.clip_frames, device=self.device)
        background: np.ndarray | float = p.background_score
        if p.background_prompt is not None:  # the last row is the background prompt's
            relevance, background = relevance[:-1], relevance[-1] + p.background_score
        units = unit_probabilities(relevance, background_score=background,
                                   temperature=p.temperature, max_units=p.max_units)
        grid = crf_grid(input_size, p.crf_max_side)
        # crf_scale < 1: the CRF runs on a coarser grid, its marginals come back up to `grid`
        solve = scaled_grid(grid, p.crf_scale) if p.crf else grid
        probs = to_grid(units.probabilities, stride=stride, input_size=input_size, grid=solve,
                        mode=p.upsample)
        if p.crf:
            frames = _grid_frames(video, solve)  # (t, sh, sw, 3) uint8
            marginals = upsample_marginals(refine(probs, frames, p.crf_params), grid)
        else:
            marginals = probs
        instances = extract_instances(marginals, units.units, output_size=output_size,
                                      min_voxels=p.min_voxels, max_instances=p.max_instances)
        prediction = {
            "video_id": sample.ref.annotation.video_id,
            "grid": list(grid),
            **({"crf_grid": list(solve)} if solve != grid else {}),
            "units": [self._category_ids[u] for u in units.units],
            "instances": [{"category_id": self._category_ids[i.unit], "score": i.score,
                           "segmentations": i.segmentations} for i in instances],
        }
        if p.prompt is not None:  # keep the phrase: unmatched units have no category id
            for inst, i in zip(prediction["instances"], instances, strict=True):
                inst["phrase"] = self._names[i.unit]
        if p.plot and self.artifacts_dir is not None:
            from benchmarks.families.segmentation.plots import plot_overlays

            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
            names = dict(zip(self._class_ids, self._class_names, strict=True))
            plot_overlays(self.artifacts_dir / f"{sample.ref.sample_id}.png", video,
                          prediction["instances"], self._gt.get(sample.ref.sample_id, []),
                          names)
        return SampleResult(prediction=prediction)

    # dataset level ------------------------------------------------------------------------

    def finalize(self, records: list[StoredRecord], info: DatasetInfo) -> Evaluation:
        from benchmarks.datasets.base import SplitCoverage
        from benchmarks.families.segmentation.evaluation import evaluate_vis
        from benchmarks.families.segmentation.files import ground_truth_tracks

        gts: list[Track] = []
        dts: list[Track] = []
        results: list[dict[str, Any]] = []
        video_ids = []
        for r in records:
            vid = self._video_ids[r.sample_id]
            video_ids.append(vid)
            gts += ground_truth_tracks(vid, self._gt.get(r.sample_id, []))
            instances = self._stored_instances(r)
            dts += [Track(vid, i["category_id"], i["segmentations"], float(i["score"]))
                    for i in instances]
            results += [{"video_id": vid, **i} for i in instances]
        files = {}
        if self.run_dir is not None:
            write_json_atomic(self.run_dir / "results.json", results)
            files["results"] = "results.json"
        coverage = info.coverage or SplitCoverage()
        subset = {"holdout_videos": coverage.holdout_videos,
                  "holdout_seed": coverage.holdout_seed,
                  "n_videos_in_file": coverage.n_videos_in_file}
        if not coverage.ground_truth:
            return self._submission_only(results, video_ids, info, files, subset)
        result = evaluate_vis(gts, dts, video_ids=video_ids,
                              category_ids=list(info.category_ids or ()))
        extra = {**result.counts, **subset, "AR100": result.metrics.pop("AR100"),
                 "crf": self.params.crf,
                 **({"crf_scale": self.params.crf_scale}
                    if self.params.crf and self.params.crf_scale != 1.0 else {}),
                 "level": self.params.level,
                 **({"shuffled_class_names": True}
                    if self.params.shuffle_class_names is not None else {}),
                 **({"prompt": self.params.prompt,
                     "prompt_units": {u.phrase: u.category is not None
                                      for u in self._prompt_units}}
                    if self.params.prompt is not None else {})}
        return Evaluation(metrics=result.metrics, extra=extra, files=files)

    def _stored_instances(self, record: StoredRecord) -> list[dict[str, Any]]:
        """A record's instances with a category (prompt phrases naming none left out),
        checked as a results file's entries are (:func:`result_tracks`: ids, a finite
        score, one mask per frame of the video's size): a record read back on resume may
        have been changed since this family wrote it, and a damaged mask must never reach
        the evaluator (it can loop forever or crash inside pycocotools)."""
        from benchmarks.store import SAMPLES

        if record.sample_id in self._checked:  # compare's bootstrap finalizes every draw
            return self._checked[record.sample_id]
        source = f"{self.run_dir / SAMPLES if self.run_dir else SAMPLES} (sample " \
                 f"{record.sample_id})"
        try:
            instances = self._checked_instances(record, source)
        except ScoreInputError as error:
            raise ValueError(f"{error}; the record changed since the run wrote it: delete its "
                             "line to score the video again, or rerun with --no-resume") from None
        self._checked[record.sample_id] = instances
        return instances

    def _checked_instances(self, record: StoredRecord, source: str) -> list[dict[str, Any]]:
        from benchmarks.families.segmentation.files import result_tracks

        prediction = record.prediction
        vid = self._video_ids[record.sample_id]
        if not isinstance(prediction, dict) or not isinstance(prediction.get("instances"),
                                                              list):
            raise ScoreInputError(source, "prediction", "expected an object with a list of "
                                  "'instances'")
        if prediction.get("video_id") != vid:
            given = show(prediction.get("video_id"))
            raise ScoreInputError(source, "prediction", f"video_id {given} is not the "
                                  f"sample's video id {vid}")
        instances = []
        for n, inst in enumerate(prediction["instances"]):
            if not isinstance(inst, dict):
                raise ScoreInputError(source, f"instance {n}", "not an object")
            if "category_id" in inst and inst["category_id"] is None:
                continue  # a prompt phrase naming no category
            inst = {k: v for k, v in inst.items() if k != "phrase"}
            result_tracks([{"video_id": vid, **inst}], self._videos, f"{source}: instance {n}")
            instances.append(inst)
        return instances

    def _submission_only(self, results: list[dict[str, Any]], video_ids: list[int],
                         info: DatasetInfo, files: dict[str, str],
                         subset: dict[str, Any]) -> Evaluation:
        """A split without public masks: no metric, one reason, the server's zip."""
        from benchmarks.families.segmentation.files import SUBMISSION, write_submission

        where = f"the run's {SUBMISSION}"
        if self.run_dir is not None:
            write_submission(self.run_dir / SUBMISSION, results)
            files["submission"] = SUBMISSION
            where = str(self.run_dir / SUBMISSION)
        # one sentence (no ". "): the CLI prints a reason's first sentence
        reason = (f"{info.name} {info.split}: the split has no public masks "
                  f"(annotations: null); the metrics come from the CodaLab server: "
                  f"upload {where}")
        total = info.coverage.n_videos_in_file if info.coverage else None
        if total is not None and len(video_ids) < total:
            reason += (f" (it holds {len(video_ids)} of the split's {total} videos; the "
                       "server counts the others' instances as missed)")
        self._unavailable = {name: reason for name in METRIC_NAMES}
        extra = {"ground_truth": False, "n_videos": len(video_ids),
                 "n_results": len(results), **subset, "crf": self.params.crf,
                 "level": self.params.level}
        return Evaluation(metrics={}, extra=extra, files=files)

    # score mode ---------------------------------------------------------------------------
    # thin adapters onto files.py, the shape of localization's onto its score.py: each
    # family reads its own formats, loaded only when `score` runs

    @classmethod
    def score_params(cls, config: TaskConfig, params: SegmentationParams) -> VisSubset:
        """The evaluated subset: ``score_ids`` if given, else the task's held-out
        draw (``dataset_args`` ``holdout_videos`` / ``holdout_seed``), as ``run`` drew it."""
        from benchmarks.families.segmentation.files import VisSubset

        args = config.dataset_args or {}
        return VisSubset(holdout_videos=args.get("holdout_videos"),
                         holdout_seed=int(args.get("holdout_seed", 0)),
                         score_ids=params.score_ids)

    @classmethod
    def score_ground_truth(cls, path: Path, params: VisSubset) -> VisGroundTruth:
        from benchmarks.families.segmentation.files import read_ground_truth

        return read_ground_truth(path, params)

    @classmethod
    def score_predictions(cls, path: Path, ground_truth: VisGroundTruth,
                          params: VisSubset) -> list[Track]:
        from benchmarks.families.segmentation.files import read_results

        return read_results(path, ground_truth)

    @classmethod
    def score_evaluate(cls, ground_truth: VisGroundTruth, predictions: list[Track],
                       params: VisSubset) -> Evaluation:
        from benchmarks.families.segmentation.evaluation import evaluate_vis

        result = evaluate_vis(ground_truth.tracks, predictions,
                              video_ids=ground_truth.video_ids,
                              category_ids=ground_truth.category_ids)
        return Evaluation(metrics={k: result.metrics[k] for k in METRIC_NAMES},
                          extra={**result.counts, **ground_truth.subset_info,
                                 "AR100": result.metrics["AR100"]})


def _grid_frames(video: torch.Tensor, grid: tuple[int, int]) -> np.ndarray:
    """``(3, t, h, w)`` [0, 1] -> ``(t, gh, gw, 3)`` uint8 on the CRF grid."""
    x = video.permute(1, 0, 2, 3).float()  # (t, 3, h, w)
    if tuple(x.shape[-2:]) != grid:
        x = F.interpolate(x, size=grid, mode="bilinear", antialias=True, align_corners=False)
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy().copy()
