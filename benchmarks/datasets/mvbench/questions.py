"""MVBench question files: ``json/<sub-task>.json`` (Li et al., CVPR 2024).

Each file is a JSON list of ``{"video", "question", "candidates", "answer"}`` (the
answer is the text of one candidate), some sub-tasks with ``start`` / ``end`` in seconds
(the part of the video the question is about); other keys are ignored. A question's id is
``<sub-task>/<index in its json file>``. The answer's index follows MVBench's
``qa_template`` (the candidate equal to the answer; the last one if several are).

Read without any video, so ``score`` and the reader share it. An entry that cannot be used
is reported as a :class:`BadEntry` (file, index, reason), never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.io.jsonfile import JsonFileError, finite_float, read_json

# The 20 sub-tasks, by their json file stems (MVBench's data_list, in its order).
SUB_TASKS: tuple[str, ...] = (
    "action_sequence", "action_prediction", "action_antonym", "fine_grained_action",
    "unexpected_action", "object_existence", "object_interaction", "object_shuffle",
    "moving_direction", "action_localization", "scene_transition", "action_count",
    "moving_count", "moving_attribute", "state_change", "fine_grained_pose",
    "character_order", "egocentric_navigation", "episodic_reasoning",
    "counterfactual_inference",
)
MAX_CANDIDATES = 26  # letters A-Z


@dataclass(frozen=True)
class MVBenchQuestion:
    """One question of one sub-task file.

    Attributes:
        question_id: ``<sub_task>/<index>``.
        sub_task: json file stem.
        index: 0-based position in the file.
        video: the entry's ``video`` (a file, or a frame folder, relative to the
            sub-task's video folder).
        question: the question text.
        candidates: option texts, lettered A, B, … in this order.
        answer_index: 0-based index of the answer among ``candidates``.
        start, end: the part of the video in seconds, ``None`` where the entry has none.
    """

    question_id: str
    sub_task: str
    index: int
    video: str
    question: str
    candidates: tuple[str, ...]
    answer_index: int
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class BadEntry:
    """An entry of a question file that cannot be used."""

    path: Path
    index: int | None  # None: the file as a whole
    reason: str

    def __str__(self) -> str:
        where = "" if self.index is None else f" entry {self.index}"
        return f"{self.path}{where}: {self.reason}"


def json_folder(root: Path) -> Path:
    """``root/json`` when it exists (the MVBench layout), else ``root`` itself."""
    return root / "json" if (root / "json").is_dir() else root


def read_sub_task(path: Path, sub_task: str) -> tuple[list[MVBenchQuestion], list[BadEntry]]:
    """The questions of one sub-task file, and its unusable entries."""
    try:
        entries = read_json(path)
    except JsonFileError as err:
        return [], [BadEntry(path, None, f"not a readable JSON file: {err.reason}")]
    if not isinstance(entries, list):
        return [], [BadEntry(path, None, "expected a JSON list of questions")]
    questions, bad = [], []
    for index, entry in enumerate(entries):
        try:
            questions.append(_question(entry, sub_task, index))
        except ValueError as err:
            bad.append(BadEntry(path, index, str(err)))
    return questions, bad


def read_questions(
    root: Path, sub_tasks: tuple[str, ...] = SUB_TASKS
) -> tuple[list[MVBenchQuestion], list[BadEntry], list[str]]:
    """Every question of the ``sub_tasks`` files found under ``root`` (or ``root/json``).

    Returns:
        ``(questions, bad entries, absent sub-tasks)``; questions in sub-task then index
        order.
    """
    folder = json_folder(root)
    questions, bad, absent = [], [], []
    for sub_task in sub_tasks:
        path = folder / f"{sub_task}.json"
        if not path.is_file():
            absent.append(sub_task)
            continue
        found, broken = read_sub_task(path, sub_task)
        questions += found
        bad += broken
    return questions, bad, absent


def _question(entry: object, sub_task: str, index: int) -> MVBenchQuestion:
    if not isinstance(entry, dict):
        raise ValueError(f"expected an object, got {type(entry).__name__}")
    for key in ("video", "question", "answer"):
        if not isinstance(entry.get(key), str):
            raise ValueError(f"{key!r} must be a string")
    candidates = entry.get("candidates")
    if (not isinstance(candidates, list) or not 2 <= len(candidates) <= MAX_CANDIDATES
            or not all(isinstance(c, str) for c in candidates)):
        raise ValueError(f"'candidates' must be a list of 2-{MAX_CANDIDATES} strings")
    matches = [i for i, c in enumerate(candidates) if c == entry["answer"]]
    if not matches:
        raise ValueError(f"answer {entry['answer']!r} is none of the candidates")
    start, end = _bound(entry, "start"), _bound(entry, "end")
    if (start is None) != (end is None):
        raise ValueError("'start' and 'end' must be given together")
    if start is not None and not end > start:
        raise ValueError(f"'end' ({end}) must be after 'start' ({start})")
    return MVBenchQuestion(
        question_id=f"{sub_task}/{index}", sub_task=sub_task, index=index,
        video=entry["video"], question=entry["question"], candidates=tuple(candidates),
        answer_index=matches[-1], start=start, end=end,
    )


def _bound(entry: dict, key: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if finite_float(value) is None:
        raise ValueError(f"{key!r} must be a number of seconds, got {value!r}")
    if value < 0:
        raise ValueError(f"{key!r} must be >= 0, got {value}")
    return float(value)
