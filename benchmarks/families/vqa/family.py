"""Multiple-choice video question answering (paper §4.2, Table 5 MVBench column, Table 10;
Appendix B.2): MVBench's 20 sub-tasks.

Per question: the clip (MVBench's 16 segment-centre frames,
:mod:`benchmarks.datasets.mvbench.sampling`), its question and its candidates, lettered
(A), (B), … in candidate order, go to an *answerer*
(:mod:`benchmarks.families.vqa.answerers`): ``similarity`` (candidate text against the
tokenizer's clip embedding, offline) or ``qwen2.5-vl`` (a local Qwen2.5-VL reading the
frames with its own vision tower, or the tokenizer's multi-scale tokens through a trained
projector, B.2). The raw answer and the letter read from it
(:mod:`benchmarks.families.vqa.parse`) are kept per question.

Dataset level (``finalize``) and ``score`` share :mod:`benchmarks.families.vqa.counting`:
accuracy per sub-task, ``overall`` and ``mean_of_tasks`` in percent over *every*
question of the annotations (missing, empty, unparseable and out-of-range answers are
wrong). ``run`` also writes ``answers.json``: every question's raw answer, letter and
outcome, the missing ones included.

Control: ``shuffle_candidates: SEED`` permutes each question's candidate texts against
their letters before the answerer sees them (the right letter stays the right letter), so
an answerer that reads the video must fall to chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np
import torch

from benchmarks.datasets.annotation import MultipleChoice
from benchmarks.datasets.base import Dataset, DatasetInfo, Sample
from benchmarks.families.base import (
    Evaluation,
    MetricInfo,
    SampleResult,
    ScoreInputError,
    ScoreInputs,
    ScoreMode,
    StoredRecord,
    TaskFamily,
    read_score_ids,
)
from benchmarks.families.vqa.answerers import ANSWERERS, VQAItem
from benchmarks.families.vqa.counting import Question, chance, count_answers, vqa_evaluation
from benchmarks.families.vqa.parse import parse_answer
from benchmarks.io.jsonfile import JsonFileError, read_json
from benchmarks.registry import RegistryError
from benchmarks.store import write_json_atomic
from benchmarks.tokenizers.base import to_tokenizer_range

# MVBench's prompt (its mvbench.ipynb: system message, question suffix, answer prompt).
MVBENCH_SYSTEM = (
    "Carefully watch the video and pay attention to the cause and sequence of events, the "
    "detail and movement of objects, and the action and pose of persons. Based on your "
    "observations, select the best option that accurately addresses the question.\n"
)
MVBENCH_QUESTION_SUFFIX = "\nOnly give the best option."
MVBENCH_ANSWER_PROMPT = "Best option:("
PREDICTIONS = "predictions.json"  # {question_id: answer}: what `score --task mvbench` reads


@dataclass(frozen=True)
class VQAParams:
    """Family-specific YAML keys (``tasks/mvbench.yaml`` cites each value's source).

    Attributes:
        answerer: a name in :data:`~benchmarks.families.vqa.answerers.ANSWERERS`.
        candidate_template: ``similarity``: the text embedded per candidate (one ``{}``).
        join_question: ``similarity``: embed ``"<question> <candidate text>"``.
        level: ``similarity``: pyramid level of the clip embedding (``None``: all).
        shuffle_candidates: seed of the per-question permutation of candidate texts (a
            control that must fall to chance), or ``None``.
        qwen_path: ``qwen2.5-vl``: a local Qwen2.5-VL folder (``save_pretrained`` layout,
            with its tokenizer).
        vision: ``qwen2.5-vl``: ``vlm`` (its own vision tower on the frames) or
            ``tokenizer`` (the tokenizer's tokens of all levels through ``projector``).
        projector: ``vision: tokenizer``: folder written by
            ``python -m benchmarks.vqa_train_projector``.
        max_new_tokens: ``qwen2.5-vl``: greedy decoding length.
        system_prompt, question_suffix, answer_prompt: MVBench's prompt pieces.
        score_ids: ``score`` only: a file of question ids (a run's ``evaluated_ids.txt``),
            the questions evaluated instead of every question of the annotations.
    """

    answerer: str = "similarity"
    candidate_template: str = "{}"
    join_question: bool = False
    level: int | None = None
    shuffle_candidates: int | None = None
    qwen_path: str | None = None
    vision: Literal["vlm", "tokenizer"] = "vlm"
    projector: str | None = None
    max_new_tokens: int = 8
    system_prompt: str = MVBENCH_SYSTEM
    question_suffix: str = MVBENCH_QUESTION_SUFFIX
    answer_prompt: str = MVBENCH_ANSWER_PROMPT
    score_ids: str | None = None

    def __post_init__(self) -> None:
        try:
            ANSWERERS.get(self.answerer)
        except RegistryError as err:
            raise ValueError(f"answerer: {err}") from err
        if self.candidate_template.count("{}") != 1:
            raise ValueError("candidate_template needs exactly one '{}'")
        if self.vision not in ("vlm", "tokenizer"):
            raise ValueError(f"vision must be 'vlm' or 'tokenizer', got {self.vision!r}")
        if self.answerer == "qwen2.5-vl":
            if not self.qwen_path or not Path(self.qwen_path).expanduser().is_dir():
                raise ValueError(f"answerer 'qwen2.5-vl': qwen_path {self.qwen_path!r} is not "
                                 "a folder; pass --task-arg qwen_path=DIR (a local Qwen2.5-VL "
                                 "folder with its tokenizer)")
            if self.vision == "tokenizer" and (
                    not self.projector
                    or not (Path(self.projector).expanduser() / "projector.json").is_file()):
                raise ValueError(f"vision 'tokenizer': projector {self.projector!r} is not a "
                                 "projector folder; train one with python -m "
                                 "benchmarks.vqa_train_projector and pass projector=DIR")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")


def shown_order(seed: int | None, question_id: str, n: int) -> list[int]:
    """Which candidate text each letter shows: ``order[i]`` for letter ``i``.

    The identity without a seed; else a permutation drawn from ``(seed, question_id)``,
    the same on every rank and resume.
    """
    if seed is None:
        return list(range(n))
    key = [seed, *question_id.encode()]
    return [int(i) for i in np.random.default_rng(key).permutation(n)]


class VQAFamily(
    TaskFamily[VQAParams], ScoreMode[VQAParams | None, list[Question], dict[str, str]]
):
    name = "vqa"
    needs_annotation = MultipleChoice
    Params = VQAParams
    # `score --annotations` takes MVBench's folder (json/<sub-task>.json)
    score_inputs = ScoreInputs(annotations_folder=True)
    prediction_files: ClassVar[dict[str, str]] = {
        PREDICTIONS: "JSON {question_id: answer} (what `score --task mvbench` reads)",
        "answers.json": "JSON {questions: [{question_id, answer, letter, status, correct}]}",
    }
    unhashed_params = ("score_ids",)
    score_only_params = ("score_ids",)
    # declared, as every family declares them (alike in shape across families by design)
    metrics: ClassVar[tuple[MetricInfo, ...]] = (
        MetricInfo("overall", True, "%"),
        MetricInfo("mean_of_tasks", True, "%"),
    )
    aggregation = (
        "accuracy in percent over every question of the run (those whose video is on disk, "
        "within --limit; a video that fails to decode is a wrong answer): per sub-task, "
        "overall (correct / all questions) and mean_of_tasks (unweighted mean of the "
        "sub-task accuracies); missing, empty, unparseable and out-of-range answers are "
        "wrong (lmms-eval divides by answered questions; MVBench's check_ans counts an "
        "empty answer as right)"
    )

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or VQAParams(), tokenizer, device=device)
        self.answerer = ANSWERERS.get(self.params.answerer)(
            tokenizer=tokenizer, params=self.params, device=device)
        self.questions: list[Question] = []

    @classmethod
    def check_tokenizer(cls, tokenizer, params) -> str | None:
        params = params or VQAParams()
        needed = ANSWERERS.get(params.answerer).required_capabilities(params)
        missing = [c for c in needed if c not in tokenizer.spec.capabilities]
        if missing:
            return (f"answerer {params.answerer!r} needs a tokenizer with "
                    f"{', '.join(missing)}; {tokenizer.spec.name!r} has "
                    f"{', '.join(sorted(tokenizer.spec.capabilities)) or 'none'}")
        return None

    def setup(self, dataset: Dataset, info: DatasetInfo) -> None:
        listed = dataset.questions()
        if listed is not None:  # every question of the run, one whose video fails included
            self.questions = [Question(q.question_id, q.sub_task, len(q.candidates),
                                       q.answer_index) for q in listed
                              if self.sample_ids is None or q.question_id in self.sample_ids]
        else:
            self.questions = [Question(r.sample_id, r.annotation.sub_task,
                                       len(r.annotation.candidates), r.annotation.answer_index)
                              for r in dataset.refs()]

    # per sample ---------------------------------------------------------------------------

    def score(self, samples: list[Sample]) -> list[SampleResult]:
        items, orders = [], []
        for s in samples:
            candidates = s.ref.annotation.candidates
            order = shown_order(self.params.shuffle_candidates, s.ref.sample_id,
                                len(candidates))
            orders.append(order)
            items.append(VQAItem(s.ref.annotation.question, tuple(candidates[i] for i in order)))
        video = to_tokenizer_range(torch.stack([s.video for s in samples]).to(self.device))
        answers = self.answerer.answer(video, items)  # (b, 3, t, h, w) in [-1, 1]
        results = []
        for s, item, order, raw in zip(samples, items, orders, answers, strict=True):
            parsed = parse_answer(raw, len(item.candidates))
            correct = parsed.index == s.ref.annotation.answer_index
            prediction = {"answer": raw, "letter": parsed.letter, "status": parsed.status}
            if self.params.shuffle_candidates is not None:
                prediction["shown_order"] = order
            results.append(SampleResult(metrics={"overall": 100.0 * correct},
                                        prediction=prediction, group=s.ref.annotation.sub_task))
        return results

    # dataset level ------------------------------------------------------------------------

    def finalize(self, records: list[StoredRecord], info: DatasetInfo) -> Evaluation:
        answers = {r.sample_id: r.prediction["answer"] for r in records}
        counts = count_answers(self.questions, answers)
        evaluation = vqa_evaluation(counts)
        by_chance = chance(self.questions)
        n = counts.n_questions
        evaluation.extra.update({
            "chance": by_chance,
            "chance_overall": (sum(100.0 / q.n_candidates for q in self.questions) / n
                               if n else None),
            "answer_status": dict(sorted(counts.statuses.items())),
            "answerer": self.params.answerer,
            **({"vision": self.params.vision} if self.params.answerer != "similarity"
               else {}),
            **({"shuffled_candidates": True}
               if self.params.shuffle_candidates is not None else {}),
        })
        if self.run_dir is not None:
            write_json_atomic(self.run_dir / "answers.json", {"questions": [
                {"question_id": o.question_id, "answer": o.answer, "letter": o.letter,
                 "status": o.status, "correct": o.correct} for o in counts.outcomes]})
            # {question_id: answer}: the format `score --task mvbench` reads back
            write_json_atomic(self.run_dir / PREDICTIONS, answers)
            evaluation.files = {"answers": "answers.json", "predictions": PREDICTIONS}
        return evaluation

    # score mode ---------------------------------------------------------------------------

    @classmethod
    def score_ground_truth(cls, path: Path, params: VQAParams | None) -> list[Question]:
        from benchmarks.datasets.mvbench.questions import SUB_TASKS, read_questions

        if not path.is_dir():
            raise ScoreInputError(path, "--annotations", "expected MVBench's folder "
                                  "(json/<sub-task>.json, or the json folder itself)")
        questions, bad, absent = read_questions(path)
        if bad:
            where = "file" if bad[0].index is None else f"entry {bad[0].index}"
            raise ScoreInputError(bad[0].path, where, bad[0].reason)
        if len(absent) == len(SUB_TASKS):
            raise ScoreInputError(path, "--annotations",
                                  "none of the 20 sub-task files (<sub-task>.json) is here")
        listed = [Question(q.question_id, q.sub_task, len(q.candidates), q.answer_index)
                  for q in questions]
        if params is None or params.score_ids is None:
            return listed
        keep = set(read_score_ids(params.score_ids, known={q.question_id for q in listed},
                                  what="question id", source=path))
        return [q for q in listed if q.question_id in keep]

    @classmethod
    def score_predictions(cls, path: Path, ground_truth: list[Question],
                          params: VQAParams | None) -> dict[str, str]:
        try:
            raw = read_json(path)
        except JsonFileError as err:
            raise ScoreInputError(path, "file", f"not a readable JSON file: {err.reason}") from None
        if not isinstance(raw, dict):
            raise ScoreInputError(path, "file", "expected a JSON object {question_id: answer}")
        known = {q.question_id for q in ground_truth}
        for qid, answer in raw.items():
            if qid not in known:
                raise ScoreInputError(path, repr(qid), "not a question id of the annotations "
                                      "(<sub-task>/<index in its json file>)")
            if not isinstance(answer, str):
                raise ScoreInputError(path, repr(qid), "the answer must be a string, got "
                                      f"{type(answer).__name__}")
        return raw

    @classmethod
    def score_evaluate(cls, ground_truth: list[Question], predictions: dict[str, str],
                       params: VQAParams | None) -> Evaluation:
        return vqa_evaluation(count_answers(ground_truth, predictions))
