"""Exact counting of multiple-choice answers (MVBench), shared by ``run`` and ``score``.

Every question of the annotations is in the denominator. A missing answer (no entry in
the prediction file, or a video that could not be decoded in a run), an empty one, an
unparseable one and a letter past the last candidate are all wrong
(:mod:`benchmarks.families.vqa.parse`). Two common evaluators differ, and both inflate:

- lmms-eval's MVBench task divides by the questions that were answered;
- MVBench's own ``check_ans`` counts an empty answer as right (``"" in gt_option``).

Reported, in percent: ``accuracy`` per sub-task (correct / questions of that sub-task),
``overall`` (correct / all questions) and ``mean_of_tasks`` (the unweighted mean of the
sub-task accuracies, MVBench's headline average); with ``n_questions``, ``n_missing`` and
``n_unparsed`` (answers given from which no option could be read).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from benchmarks.families.base import Evaluation
from benchmarks.families.vqa.parse import parse_answer

log = logging.getLogger(__name__)
# answer statuses from which no option is read (parse.Status, "ok" aside)
UNREAD = ("empty", "unparseable", "out_of_range")


@dataclass(frozen=True)
class Question:
    """One multiple-choice question.

    Attributes:
        question_id: ``<sub-task>/<index in its json file>``.
        sub_task: the sub-task (json file stem).
        n_candidates: number of options (letters A … in candidate order).
        answer_index: 0-based index of the right candidate.
    """

    question_id: str
    sub_task: str
    n_candidates: int
    answer_index: int


@dataclass(frozen=True)
class Outcome:
    """How one question was answered: the raw answer and the letter read from it.

    ``status`` is a :data:`~benchmarks.families.vqa.parse.Status` or ``missing``.
    """

    question_id: str
    answer: str | None
    letter: str | None
    status: str
    correct: bool


@dataclass
class Counts:
    """Per sub-task totals, and every question's outcome (in question order)."""

    correct: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def n_questions(self) -> int:
        return sum(self.total.values())

    @property
    def n_missing(self) -> int:
        return self.statuses.get("missing", 0)

    @property
    def n_unparsed(self) -> int:
        """Answers given from which no option could be read (empty, unparseable, a letter
        past the last candidate): counted wrong."""
        return sum(self.statuses.get(s, 0) for s in UNREAD)


def count_answers(questions: Sequence[Question], answers: Mapping[str, str]) -> Counts:
    """Count ``answers`` (question id → raw answer text) against ``questions``.

    Ids in ``answers`` that are not questions are the caller's to reject; here they are
    ignored.
    """
    counts = Counts()
    for q in questions:
        raw = answers.get(q.question_id)
        if raw is None:
            outcome = Outcome(q.question_id, None, None, "missing", False)
        else:
            parsed = parse_answer(raw, q.n_candidates)
            outcome = Outcome(q.question_id, raw, parsed.letter, parsed.status,
                              parsed.index == q.answer_index)
        counts.outcomes.append(outcome)
        counts.total[q.sub_task] = counts.total.get(q.sub_task, 0) + 1
        counts.correct[q.sub_task] = counts.correct.get(q.sub_task, 0) + outcome.correct
        counts.statuses[outcome.status] = counts.statuses.get(outcome.status, 0) + 1
    return counts


def accuracies(counts: Counts) -> dict[str, float]:
    """Sub-task → accuracy in percent (sub-tasks in sorted order)."""
    return {s: 100.0 * counts.correct[s] / counts.total[s] for s in sorted(counts.total)}


def chance(questions: Sequence[Question]) -> dict[str, float]:
    """Sub-task → the expected accuracy of a uniform random choice, in percent."""
    sums: dict[str, float] = {}
    totals: dict[str, int] = {}
    for q in questions:
        sums[q.sub_task] = sums.get(q.sub_task, 0.0) + 100.0 / q.n_candidates
        totals[q.sub_task] = totals.get(q.sub_task, 0) + 1
    return {s: sums[s] / totals[s] for s in sorted(sums)}


def vqa_evaluation(counts: Counts) -> Evaluation:
    """``overall`` and ``mean_of_tasks`` (metrics), per sub-task ``accuracy`` (groups and
    ``extra["accuracy"]``), ``n_questions``, ``n_missing`` and ``n_unparsed``; ``None``
    with no question. Unparsed answers are also said in one log line (never silent)."""
    per_task = accuracies(counts)
    n = counts.n_questions
    if counts.n_unparsed:
        kinds = ", ".join(f"{counts.statuses[s]} {s.replace('_', ' ')}" for s in UNREAD
                          if counts.statuses.get(s))
        log.warning("%d of %d answers could not be read as an option letter (%s): counted "
                    "wrong", counts.n_unparsed, n, kinds)
    overall = 100.0 * sum(counts.correct.values()) / n if n else None
    mean_of_tasks = sum(per_task.values()) / len(per_task) if per_task else None
    return Evaluation(
        metrics={"overall": overall, "mean_of_tasks": mean_of_tasks},
        groups={s: {"accuracy": a} for s, a in per_task.items()},
        extra={"accuracy": per_task, "n_questions": n, "n_missing": counts.n_missing,
               "n_unparsed": counts.n_unparsed},
    )
