"""Zero-shot video classification (paper §4.2, Table 5: Kinetics-400/600/700; App. E.2).

Per video: the tokenizer's L2-normalised clip embedding (``embed_video``; for ``pyratok``
its trained attention pooling, levels configurable) is compared by cosine with the text
embedding of every class prompt, in the tokenizer's own text space (``embed_text``).
Class prompts are an ensemble of templates (CLIP's, Radford et al. 2021 §3.1.4: each
template's embedding L2-normalised, averaged, normalised again). The prediction is the
top-5 labels, best first; the dataset-level top-1 / top-5 (percent) follow
:mod:`benchmarks.families.classification.topk`, the same code ``score`` runs on a prediction file.

Tokenizers without text alignment: ``probe: linear`` fits a ridge map from clip
embeddings to MiniLM text embeddings on the training split
(:mod:`benchmarks.families.classification.linear_probe`); the summary then says
``zero_shot: false``.

Control: ``shuffle_class_names: SEED`` permutes the names given to the text encoder
against the labels — a text-aligned tokenizer must then fall to chance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from tqdm import tqdm

from benchmarks.datasets.annotation import ClassLabel
from benchmarks.datasets.base import Dataset, DatasetInfo, Sample
from benchmarks.families.base import (
    Evaluation,
    MetricInfo,
    SampleResult,
    ScoreMode,
    StoredRecord,
    TaskFamily,
    read_score_ids,
)
from benchmarks.families.classification.topk import (
    GroundTruth,
    count_topk,
    read_ground_truth_csv,
    read_predictions_json,
    topk_evaluation,
)
from benchmarks.features.text import minilm_embedder
from benchmarks.features.zero_shot import checked_templates, class_text_embeddings, rank_classes
from benchmarks.store import write_json_atomic
from benchmarks.tokenizers.base import to_tokenizer_range

log = logging.getLogger(__name__)

PREDICTIONS = "predictions.json"  # {youtube_id: [labels, best first]}: what `score` reads

# CLIP's prompt ensemble for Kinetics-700 (Radford et al. 2021; the CLIP repository's
# data/prompts.md): 28 templates, "a/a video of/an example of ... a person {}".
CLIP_KINETICS_TEMPLATES: tuple[str, ...] = tuple(
    f"{lead} {body}."
    for lead in ("a photo of", "a video of", "a example of", "a demonstration of")
    for body in (
        "{}",
        "a person {}",
        "a person using {}",
        "a person doing {}",
        "a person during {}",
        "a person performing {}",
        "a person practicing {}",
    )
)


@dataclass(frozen=True)
class ClassificationParams:
    """Family-specific YAML keys.

    Attributes:
        templates: prompt templates, each with one ``{}`` for the class name.
        level: pyramid level of the clip embedding (0 = finest, -1 = deepest), ``None``
            = all levels (the tokenizer's pyramid embedding).
        top_k: the k of top-k (5 = Kinetics' top-5).
        probe: ``none`` (zero-shot, needs a text-aligned tokenizer) or ``linear``.
        probe_split: the split the linear probe is fitted on.
        probe_per_class: training videos per class for the probe (first by sorted id).
        probe_ridge: the probe's L2 penalty.
        shuffle_class_names: seed of a permutation of class names (a control), or null.
        score_ids: ``score`` only: a file of video ids (a run's ``evaluated_ids.txt``), the
            videos evaluated instead of every video of the annotation file, so the run's
            own ``predictions.json`` on a partial download scores as the run did.
    """

    templates: tuple[str, ...] = CLIP_KINETICS_TEMPLATES
    level: int | None = None
    top_k: int = 5
    probe: str = "none"
    probe_split: str = "train"
    probe_per_class: int = 16
    probe_ridge: float = 1e-2
    shuffle_class_names: int | None = None
    score_ids: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "templates", checked_templates(self.templates))
        if self.probe not in ("none", "linear"):
            raise ValueError(f"probe must be 'none' or 'linear', got {self.probe!r}")
        if self.top_k < 1 or self.probe_per_class < 1:
            raise ValueError("top_k and probe_per_class must be >= 1")


class ClassificationFamily(
    TaskFamily[ClassificationParams],
    ScoreMode[ClassificationParams | None, GroundTruth, dict[str, list[str]]],
):
    name = "classification"
    needs_annotation = ClassLabel
    # "text" too unless probe: linear (check_tokenizer)
    requires = ("features",)
    prediction_files: ClassVar[dict[str, str]] = {
        PREDICTIONS: "JSON {youtube_id: [labels, best first]} (what `score` reads)",
    }
    Params = ClassificationParams
    unhashed_params = ("score_ids",)
    score_only_params = ("score_ids",)
    # declared, as every family declares them (alike in shape across families by design)
    metrics: ClassVar[tuple[MetricInfo, ...]] = (
        MetricInfo("top1", True, "%"),
        MetricInfo("top5", True, "%"),
    )
    aggregation = (
        "top-1 / top-5 in percent of the evaluated videos (a video's top-5 = its first 5 "
        "labels; one label is its own top-5); 95% CI from Student's t over per-video 0/100 "
        "outcomes; listed videos absent on disk are counted in n_missing (ids in "
        "missing_ids.txt), videos that exist but cannot be decoded in n_failed"
    )

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or ClassificationParams(), tokenizer, device=device)
        self.classes: tuple[str, ...] = ()
        self._class_embeddings: torch.Tensor | None = None
        self._probe = None
        self._probe_count = 0
        self._labels: dict[str, str] = {}

    @classmethod
    def check_tokenizer(cls, tokenizer, params) -> str | None:
        caps = tokenizer.spec.capabilities
        if "features" not in caps:
            return f"tokenizer {tokenizer.spec.name!r} gives no clip embeddings (features)"
        probe = params.probe if params is not None else "none"
        if probe == "none" and "text" not in caps:
            return (
                f"tokenizer {tokenizer.spec.name!r} is not text-aligned, so zero-shot "
                "classification cannot run; use --task-arg probe=linear (a linear probe on "
                "the training split, reported as zero_shot: false)"
            )
        return None

    # setup --------------------------------------------------------------------------------

    def setup(self, dataset: Dataset, info: DatasetInfo) -> None:
        if not info.classes:
            raise ValueError(f"{info.annotation_file}: the dataset lists no classes")
        self.classes = tuple(info.classes)
        self._labels = {r.sample_id: r.annotation.label for r in dataset.refs()}
        names = list(self.classes)
        if self.params.shuffle_class_names is not None:
            order = np.random.default_rng(self.params.shuffle_class_names).permutation(len(names))
            names = [names[i] for i in order]
        zero_shot = self.params.probe == "none"
        embed_text = self.tokenizer.embed_text if zero_shot else minilm_embedder(self.device)
        with torch.no_grad():
            self._class_embeddings = class_text_embeddings(
                embed_text, names, list(self.params.templates)
            ).to(self.device, torch.float32)
        if self.params.probe == "linear":
            self._probe = self._fit_probe(dataset)

    def _fit_probe(self, dataset: Dataset):
        from benchmarks.families.classification.linear_probe import fit_ridge

        train = dataset.with_split(self.params.probe_split)
        by_class: dict[str, list] = {}
        for ref in sorted(train.refs(), key=lambda r: r.sample_id):
            label = ref.annotation.label
            if label in self.classes and len(by_class.setdefault(label, [])) < \
                    self.params.probe_per_class:
                by_class[label].append(ref)
        refs = [r for label in self.classes for r in by_class.get(label, [])]
        if not refs:
            raise ValueError(f"split {self.params.probe_split!r} has no labelled videos "
                             "to fit the linear probe on")
        inputs, targets = [], []
        index = {c: i for i, c in enumerate(self.classes)}
        for ref in tqdm(refs, desc="linear probe: training clips", unit="clip", leave=False):
            try:
                sample = train.load(ref)
            except Exception as err:  # a bad training clip is skipped, and said so
                log.warning("linear probe: skipping %s: %s", ref.sample_id, err)
                continue
            inputs.append(self._embed([sample])[0])
            targets.append(self._class_embeddings[index[ref.annotation.label]])
        probe = fit_ridge(torch.stack(inputs).cpu(), torch.stack(targets).cpu(),
                          ridge=self.params.probe_ridge)
        self._probe_count = len(inputs)
        return probe

    # per sample ---------------------------------------------------------------------------

    @torch.no_grad()
    def _embed(self, samples: list[Sample]) -> torch.Tensor:
        video = torch.stack([s.video for s in samples]).to(self.device)
        video = to_tokenizer_range(video)
        return self.tokenizer.embed_video(video, level=self.params.level)

    def score(self, samples: list[Sample]) -> list[SampleResult]:
        emb = self._embed(samples)
        if self._probe is not None:
            emb = self._probe(emb)
        k = max(5, self.params.top_k)
        ranks = rank_classes(emb.float(), self._class_embeddings, k)
        results = []
        for sample, row in zip(samples, ranks.tolist(), strict=True):
            labels = [self.classes[i] for i in row]
            truth = sample.ref.annotation.label
            results.append(SampleResult(
                metrics={"top1": 100.0 * (labels[0] == truth),
                         "top5": 100.0 * (truth in labels[:5])},
                prediction=labels[: self.params.top_k],
            ))
        return results

    # dataset level ------------------------------------------------------------------------

    def finalize(self, records: list[StoredRecord], info: DatasetInfo) -> Evaluation:
        truth = {r.sample_id: self._labels[r.sample_id] for r in records}
        predictions = {r.sample_id: r.prediction for r in records}
        evaluation = topk_evaluation(count_topk(truth, predictions),
                                     clusters={r.sample_id: r.cluster for r in records})
        if self.run_dir is not None:  # the official prediction format `score` reads back
            write_json_atomic(self.run_dir / PREDICTIONS, predictions)
            evaluation.files["predictions"] = PREDICTIONS
        evaluation.extra = {
            "n_videos": evaluation.extra["n_videos"],
            "n_classes": len(self.classes),
            "chance_top1": 100.0 / len(self.classes) if self.classes else None,
            "zero_shot": self.params.probe == "none",
            "n_templates": len(self.params.templates),
            **({"probe_train_videos": self._probe_count} if self._probe is not None else {}),
            **({"shuffled_class_names": True}
               if self.params.shuffle_class_names is not None else {}),
        }
        return evaluation

    # score mode ---------------------------------------------------------------------------

    @classmethod
    def score_ground_truth(cls, path: Path, params: ClassificationParams | None) -> GroundTruth:
        truth = read_ground_truth_csv(path)
        if params is None or params.score_ids is None:
            return truth
        ids = read_score_ids(params.score_ids, known=truth.labels, what="video id",
                             source=path)
        return replace(truth, labels={vid: truth.labels[vid] for vid in ids})

    @classmethod
    def score_predictions(cls, path: Path, ground_truth: GroundTruth,
                          params: ClassificationParams | None) -> dict[str, list[str]]:
        return read_predictions_json(path, ground_truth)

    @classmethod
    def score_evaluate(cls, ground_truth: GroundTruth, predictions: dict[str, list[str]],
                       params: ClassificationParams | None) -> Evaluation:
        return topk_evaluation(count_topk(ground_truth.labels, predictions))
