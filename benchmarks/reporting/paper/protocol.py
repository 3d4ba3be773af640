"""How a measured row of ``tables --paper`` was measured, and where it differs from the paper.

A measured row may stand beside the paper's numbers only when it was measured the way the
paper measured it. This module reads each run's summary for the facts that decide it:

- provenance: the tokenizer's text encoder (``tokenizer_spec.text_encoder``; zero-shot
  classification, localization, segmentation and the ``similarity`` answerer embed their
  prompts with it), the VQA answerer (``params.answerer``), the generator;
- protocol: per task, clip length and size; for reconstruction the latency setting
  (``evaluation.latency``: clip shape, clips per call, device by name, dtype); for
  compression the rate; for segmentation the split and held-out subset;
- differences: each fact the table's ``paper`` entry fixes (e.g. ``text_encoder:
  qwen2.5-vl``, App. D) that the run does not share, stated as "ours, the paper's".

A latency column is checked against the table's ``latency`` entry (Table 1's caption: "25
frames (256×256) using a single V100 GPU"): a latency timed on another clip is no number in
that column (its value is given in the cell's reason); one timed on the paper's clip on
other hardware is shown with its hardware beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.reporting.numbers import format_number
from benchmarks.store import RunSummary


@dataclass
class RowFacts:
    """What a measured row's runs record about how they were measured."""

    provenance: list[str] = field(default_factory=list)
    protocol: list[str] = field(default_factory=list)
    values: dict[str, str | None] = field(default_factory=dict)


def _get(summary: RunSummary, path: str) -> Any:
    """The summary's ``a.b`` (its JSON's ``["a"]["b"]``: table specs name values by these
    paths); ``None`` where any step is missing."""
    node: Any = summary.to_dict()
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def with_pyratok(summary: RunSummary) -> bool | None:
    """Whether a generation run's clips went through a PyraTok tokenizer (Table 2's ✓): its
    tokenizer is ``pyratok*`` and its generator makes that tokenizer's codes (a diffusers
    pipeline or noise makes pixels: ✗ whatever the tokenizer). ``None``: not recorded."""
    used = _get(summary, "evaluation.generator_info.tokenizer_used")
    if used is False or not summary.tokenizer.startswith("pyratok"):
        return False
    return True if used is True else None


def lookup(summary: RunSummary, path: str) -> Any:
    """A value of a run's summary by dotted path (``"tokenizer_spec.vocab_size"``), or a
    derived value: ``tokens``, the token count of the generator's code layout (Table 8's
    #Tokens); ``with_pyratok``, "✓" or "✗" (Table 2, :func:`with_pyratok`)."""
    if path == "with_pyratok":
        return {True: "✓", False: "✗", None: None}[with_pyratok(summary)]
    if path == "tokens":
        shapes = _get(summary, "evaluation.generator_info.layout.shapes")
        if not shapes:
            return None
        total = 0
        for shape in shapes:
            count = 1
            for n in shape:
                count *= int(n)
            total += count
        return total
    return _get(summary, path)


def _size(s: RunSummary) -> str:
    task = _get(s, "config.task") or {}
    crop, shorter = task.get("crop"), task.get("resize_shorter")
    if crop:
        return f"{crop}×{crop}"
    if shorter:
        return f"shorter side {shorter}"
    return "native size"


def latency_text(setting: Mapping[str, Any]) -> str:
    """``"25 frames 256×256 on cuda: NVIDIA H100 (float32, 1 clip/call)"``."""
    text = (f"{setting.get('frames')} frames {setting.get('height')}×{setting.get('width')} "
            f"on {setting.get('device')} ({setting.get('dtype')}, "
            f"{setting.get('batch_size')} clip/call)")
    if setting.get("mixed"):
        text += f"; mixed across the run: {len(setting['mixed'])} settings"
    return text


def text_encoder(s: RunSummary) -> str | None:
    spec = s.tokenizer_spec
    if "text" not in (spec.get("capabilities") or []):
        return None
    return spec.get("text_encoder") or "not recorded"


def _split_text(s: RunSummary) -> str:
    split = _get(s, "dataset.split") or "unrecorded"
    args = _get(s, "config.task.dataset_args") or {}
    held = {k: v for k, v in args.items() if "holdout" in k or "held_out" in k}
    extra = _get(s, "dataset.extra") or {}
    held.update({k: v for k, v in extra.items() if ("holdout" in k or "held_out" in k)
                 and isinstance(v, int | float | str)})
    if annotation := args.get("annotation_file"):
        return f"split {split} ({annotation})"
    if held:
        videos, seed = held.get("holdout_videos"), held.get("holdout_seed")
        if videos is not None:
            return f"split {split}, held-out subset of {videos} videos (seed {seed})"
        return f"split {split}, held-out subset ({', '.join(f'{k}={v}' for k, v in held.items())})"
    return f"split {split}"


def _task_protocol(task: str, s: RunSummary, facts: RowFacts) -> str:
    family = s.family
    parts = [f"{s.frames_per_clip} fr, {_size(s)}"]
    if family == "localization":  # whole videos at sample_fps, encoded in chunks
        parts = [f"{_get(s, 'params.sample_fps')} fps in {_get(s, 'params.clip_frames')}-frame "
                 f"chunks, {_size(s)}", f"protocol {_get(s, 'params.protocol')}",
                 _split_text(s)]
    elif family == "reconstruction":
        setting = _get(s, "evaluation.latency")
        parts.append("latency " + (latency_text(setting) if setting else "setting not recorded"))
    elif family == "compression":
        rate = rate_of(s)
        if rate is not None:
            parts.append(f"{rate[0]} {format_number(rate[1])}")
    elif family == "segmentation":
        parts.append(_split_text(s))
    elif family == "classification":
        zero_shot = _get(s, "evaluation.zero_shot")
        parts.append("zero-shot" if zero_shot in (True, None) else "linear probe")
    elif family == "vqa":
        # "qwen2.5-vl/tokenizer": Qwen2.5-VL reading the tokenizer's tokens (App. B.2)
        answerer = _get(s, "params.answerer") or _get(s, "evaluation.answerer")
        vision = _get(s, "params.vision") or _get(s, "evaluation.vision")
        if answerer and answerer != "similarity" and vision:
            answerer = f"{answerer}/{vision}"
        facts.values["answerer"] = answerer
        facts.provenance.append(f"answerer {answerer or 'not recorded'}")
    elif family in ("generation", "t2v"):
        text = _get(s, "evaluation.generator_info.text_encoder")
        facts.provenance.append(f"generator {_get(s, 'evaluation.generator') or 'not recorded'}"
                                + (f" (captions by {text})" if text else ""))
    return f"{task}: " + ", ".join(parts)


def row_facts(group: Mapping[str, RunSummary]) -> RowFacts:
    """Provenance, protocol and comparable values of a row's runs ({task: summary})."""
    facts = RowFacts()
    encoders = set()
    for task, s in sorted(group.items()):
        facts.protocol.append(_task_protocol(task, s, facts))
        encoder = text_encoder(s)
        if encoder is not None:  # zero-shot prompts and text-guided training alike
            encoders.add(encoder)
    if encoders:
        facts.values["text_encoder"] = ", ".join(sorted(encoders))
        facts.provenance.insert(0, f"text encoder {facts.values['text_encoder']}")
    return facts


def differences(facts: RowFacts, paper: Mapping[str, str]) -> list[str]:
    """Each fact the paper fixes (``paper``: key → value) that this row does not share."""
    out = []
    for key, theirs in paper.items():
        if key not in facts.values:
            continue  # no run of the row has this fact (no VQA run: no answerer)
        ours = facts.values[key]
        if ours != theirs:
            out.append(f"differs from the paper: {key.replace('_', ' ')} {ours or 'not recorded'}"
                       f", the paper's {theirs}")
    return out


def requirement_unmet(group: Mapping[str, RunSummary],
                      requires: Mapping[str, str]) -> str | None:
    """Why the row's runs do not meet a paper row's ``requires`` (None if they do)."""
    facts = row_facts(group)
    for key, wanted in requires.items():
        ours = facts.values.get(key)
        if ours != wanted:
            return f"{key.replace('_', ' ')} {ours or 'not recorded'}, this row is {wanted}"
    return None


# latency -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatencyCheck:
    """What a cell of a latency column shows: a value with a note, or a reason."""

    comparable: bool
    note: str


def check_latency(s: RunSummary, paper: Mapping[str, Any], value: float) -> LatencyCheck:
    """Compare a run's recorded latency setting with the paper's (``frames``, ``height``,
    ``width``, ``device``): the clip must match; other hardware is stated, not hidden."""
    wanted = (f"{paper['frames']} frames {paper['height']}×{paper['width']} on one "
              f"{paper['device']}")
    setting = _get(s, "evaluation.latency")
    if not setting:
        return LatencyCheck(False, f"not comparable: {format_number(value)} ms timed on a clip and "
                            f"device the run does not record; the paper times {wanted}")
    if setting.get("mixed"):
        return LatencyCheck(False, f"not comparable: {format_number(value)} ms over mixed settings "
                            f"({latency_text(setting)}); the paper times {wanted}")
    clip = (setting.get("frames"), setting.get("height"), setting.get("width"))
    if clip != (paper["frames"], paper["height"], paper["width"]):
        return LatencyCheck(False, f"not comparable: {format_number(value)} ms on "
                            f"{latency_text(setting)}; the paper times {wanted} "
                            "(rerun with --task-arg latency_frames=25)")
    note = latency_text(setting)
    if str(paper["device"]).lower() not in str(setting.get("device", "")).lower():
        note += f"; not a {paper['device']}"
    return LatencyCheck(True, note)


# rate --------------------------------------------------------------------------------------


def rate_of(s: RunSummary) -> tuple[str, float] | None:
    """A compression run's rate: ``("bpp", x)`` for codecs (stream size), ``("bpp_tokens",
    x)`` for learned tokenizers (their native token rate); None if neither is recorded."""
    metrics = s.metrics
    for name in ("bpp", "bpp_tokens"):
        if metrics.get(name) is not None:
            return name, float(metrics[name])
    return None


def rate_difference(s: RunSummary, rate: Mapping[str, Any]) -> str | None:
    """Why a compression run is not at the table's rate (None if it is): within
    ``tolerance`` (relative) of ``target`` bits per pixel."""
    target, tolerance = float(rate["target"]), float(rate["tolerance"])
    measured = rate_of(s)
    if measured is None:
        return f"rate not recorded (the table's: {target:g} bpp)"
    name, value = measured
    if abs(value / target - 1) <= tolerance:
        return None
    how = ("native rate, no rate control" if name == "bpp_tokens"
           else "off the target rate")
    return f"{how}: {value:.3g} {name}, not {target:g} bpp"
