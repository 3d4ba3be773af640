"""Which task arguments a run was measured under, where they differ from its task's.

A run with ``--task-arg probe=linear`` measures something else than the task's zero-shot
default: ``tables`` and ``report`` must not put the two in one column unmarked (``compare``
refuses them for the same reason). A run's protocol label lists its family parameters that
change its stored records (the hashed ``params`` of its ``summary.json``) and differ from
the task's own (its YAML, with the demo overrides for a demo run), e.g. ``probe=linear``;
empty for a run of the task as written. Where the task cannot be read (a plug-in not
installed), the reference is the parameters most runs of the task share.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from benchmarks.store import RunSummary

SHOWN_CHARS = 40  # a long value (a prompt list) is cut, the key stays readable


def _normal(value: Any) -> Any:
    """A JSON-comparable form (tuples as lists, keys as strings)."""
    return json.loads(json.dumps(value, default=str))


def _hashed_params(summary: RunSummary) -> dict[str, Any]:
    params = summary.config.get("params")
    return _normal(params) if isinstance(params, dict) else {}


def task_defaults(task: str, *, demo: bool,
                  include_paths: list[str] | None = None) -> dict[str, Any] | None:
    """The hashed parameters of ``task`` as its YAML gives them (``None``: unreadable)."""
    from benchmarks.runner.plan import resolve_task

    try:
        _, params, family_cls = resolve_task(task, include_paths=include_paths or [],
                                             overrides={}, demo=demo)
    except (ValueError, TypeError, KeyError, OSError, ImportError):
        # an unknown or broken task (a plug-in not installed): the caller uses the runs
        return None
    if params is None:
        return {}
    return _normal({k: v for k, v in vars(params).items()
                    if k not in family_cls.unhashed_params})


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def protocol_labels(summaries: list[RunSummary], *,
                    include_paths: list[str] | None = None) -> list[str]:
    """One label per summary (same order): ``key=value, ...`` of its differing task
    arguments, ``""`` where it ran the task as written (or is a paper claim)."""
    defaults: dict[tuple[str, bool], dict[str, Any] | None] = {}
    for s in summaries:
        key = (s.task, s.demo_data)
        if not s.claim and key not in defaults:
            defaults[key] = task_defaults(s.task, demo=s.demo_data, include_paths=include_paths)
    for (task, demo), found in list(defaults.items()):
        if found is None:  # the parameters most of the task's runs share
            common = Counter(json.dumps(_hashed_params(s), sort_keys=True) for s in summaries
                             if s.task == task and s.demo_data == demo and not s.claim)
            defaults[task, demo] = json.loads(common.most_common(1)[0][0])
    labels = []
    for s in summaries:
        if s.claim:
            labels.append("")
            continue
        reference, params = defaults[s.task, s.demo_data] or {}, _hashed_params(s)
        # a key the run does not record (an older harness) is no difference
        changed = sorted(k for k in params if params[k] != reference.get(k))
        labels.append(", ".join(f"{k}={_text(params.get(k))}" for k in changed))
    return labels
