"""``python -m benchmarks compare RUN_A RUN_B``: a paired comparison of two runs.

Both runs must be of one task, on one sample set (``evaluated_ids.txt``) and under one
protocol (the hashed configuration of their ``summary.json`` minus the tokenizer's name and
arguments, which is what is compared); otherwise the comparison is refused (exit 2), saying
what differs. What belongs to each tokenizer is not protocol: its weight files (a file
fingerprinted in one run only — a file both runs loaded, an I3D or LPIPS file, must match)
and the clip length its clip-length rule takes from the task's ``frames_per_clip`` (Mochi's
``6k + 1`` scores 13 of WebVid's 17 frames, a ``4k`` tokenizer 16): such runs are compared
and the report says which lengths each scored. Differences are ``B - A``.

- A metric every record carries (PSNR, top-1 …) and that the family averages (its
  ``finalize`` is the default mean): per-sample differences, their mean, a paired
  bootstrap 95% CI of the mean (percentile, ``resamples`` draws, seeded), the paired sign
  test (``scipy.stats.binomtest`` on the non-zero differences) and the Wilcoxon
  signed-rank test (``scipy.stats.wilcoxon``).
- A dataset-level metric (mAP, top-k over a vocabulary …): a paired bootstrap over samples
  that re-runs the family's ``finalize(records, info)`` on the same resampled records of
  both runs. A sample drawn k times enters as k records under distinct aliases
  (``<id>#<j>``); the family is set up once on the dataset with those aliases listed, so
  its per-sample state (labels, ground truth) resolves them. A family that declares
  ``bootstrap_statistics`` (localization: each video's detections matched once) scores a
  draw from those cached statistics instead, with the same numbers, in milliseconds rather
  than the seconds of a full ``finalize``. The sign and Wilcoxon tests use the per-sample
  values where records carry the metric, else they are n/a.

- Clustered samples (``cluster`` in the records: clips of one UCF-101 group, questions on
  one MVBench video): each draw resamples whole clusters of pairs with replacement (the
  cluster bootstrap, :mod:`benchmarks.metrics.functional.cluster_ci`), for per-sample and
  dataset-level metrics alike; the output says how many clusters were resampled.

- A run-level count (``RUN_LEVEL``: codebook usage and perplexity, pooled over every
  clip's token indices) is shown for both runs with its difference and no interval: it
  describes the tokenizer on this clip set, not a per-sample score to test.

With fewer than ``FEW_SAMPLES`` paired samples (or clusters) the output says the interval
is unreliable.

Every record carries the content fingerprint of its input file
(:mod:`benchmarks.io.input_fingerprint`). Runs whose records of one id name different
files (a re-encoded or re-downloaded copy, another resize) measured other data: a
difference between them is not the tokenizers'. Such a comparison is refused (exit 2),
naming how many samples differ and one of them, unless ``--allow-other-inputs`` is given,
which compares anyway and says so in the output. Records written before fingerprints
existed are not checked (the output says how many).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.config import ConfigError
from benchmarks.families.base import StoredRecord, TaskFamily
from benchmarks.io.jsonfile import dumps
from benchmarks.io.output import output_folder
from benchmarks.metrics.functional.cluster_ci import Clusters, bootstrap_means, cluster_draws
from benchmarks.reporting.numbers import format_number
from benchmarks.runner.guard import flatten_config
from benchmarks.store import RunSummary, SummaryError

# keys of the hashed configuration that name the tokenizer (expected to differ) or a path
NOT_PROTOCOL = ("tokenizer", "tokenizer_args", "data_root")

# pooled over the run's token indices (benchmarks.metrics.codebook): no paired test
RUN_LEVEL = ("codebook_usage", "codebook_perplexity")
# a run's dataset-level metrics on one bootstrap draw (a row of sample indices, with repeats)
Resample = Callable[[np.ndarray], dict[str, float | None]]
# below this many paired samples a bootstrap interval is not to be trusted
FEW_SAMPLES = 10


@dataclass
class Run:
    """A finished run folder, read back."""

    path: Path
    summary: RunSummary
    records: dict[str, StoredRecord]  # by sample id

    @property
    def name(self) -> str:
        """The run folder's name (as ``tables`` names rows: a copied folder is its own)."""
        return self.path.resolve().name


@dataclass
class MetricComparison:
    metric: str
    a: float | None
    b: float | None
    mean_difference: float | None
    ci95: tuple[float, float] | None
    n: int
    method: str  # "per-sample" or "finalize bootstrap"
    sign_test_p: float | None
    wilcoxon_p: float | None
    differences: np.ndarray  # per-sample differences, or the bootstrap distribution
    resamples_used: int = 0
    clusters: int | None = None  # clusters resampled as wholes; None: samples resampled


def read_run(path: Path) -> Run:
    from benchmarks.runner.aggregate import stored_records
    from benchmarks.store import ResultStore

    path = Path(path).expanduser()
    try:
        summary = RunSummary.read(path / "summary.json")
    except SummaryError as err:
        reason = str(err).removeprefix(f"{path / 'summary.json'}: ")
        raise ConfigError(f"{path}: not a finished run folder (no readable summary.json: "
                          f"{reason})") from None
    store = ResultStore(path, config_hash=summary.config_hash)
    raw = sorted(store.samples().values(), key=lambda r: r.sample_id)
    return Run(path, summary, {r.sample_id: r for r in stored_records(raw, store)})


def refusal(a: Run, b: Run, *, allow_other_inputs: bool = False) -> str | None:
    """Why ``a`` and ``b`` cannot be compared pairwise (``None``: they can);
    ``allow_other_inputs``: same ids on different files are compared (a caveat)."""
    if a.summary.task != b.summary.task:
        return f"different tasks: {a.summary.task!r} vs {b.summary.task!r}"
    ids_a, ids_b = set(a.records), set(b.records)
    if ids_a != ids_b:
        only_a, only_b = sorted(ids_a - ids_b), sorted(ids_b - ids_a)
        return (f"different sample sets: {len(only_a)} only in A (e.g. {only_a[:3]}), "
                f"{len(only_b)} only in B (e.g. {only_b[:3]}); rerun both with the same "
                "--limit / data")
    fa, fb = flatten_config(_protocol(a, b)), flatten_config(_protocol(b, a))
    changed = sorted(k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k))
    if changed:
        shown = ", ".join(f"{k}: {fa.get(k)!r} vs {fb.get(k)!r}" for k in changed[:3])
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        return f"different protocols ({shown}{more})"
    changed_inputs = other_inputs(a, b)
    if changed_inputs and not allow_other_inputs:
        sid = changed_inputs[0]
        return (f"same sample ids, different input files: {len(changed_inputs)} sample(s) "
                f"differ in content fingerprint (e.g. {sid}: {a.records[sid].fingerprint} vs "
                f"{b.records[sid].fingerprint}), so a difference would be the data's, not "
                "the tokenizers'; rerun both on one copy of the data, or pass "
                "--allow-other-inputs to compare anyway")
    return None


def other_inputs(a: Run, b: Run) -> list[str]:
    """Ids (sorted) whose records in ``a`` and ``b`` both have a fingerprint and differ."""
    return sorted(i for i in a.records.keys() & b.records.keys()
                  if a.records[i].fingerprint and b.records[i].fingerprint
                  and a.records[i].fingerprint != b.records[i].fingerprint)


def pair_clusters(a: Run, b: Run, ids: list[str]) -> Clusters:
    """The clusters of the pairs ``ids``: ``a``'s records' keys, else ``b``'s."""
    return Clusters.of([a.records[i].cluster or b.records[i].cluster for i in ids])


def cluster_rows(clusters: Clusters, resamples: int, seed: int) -> list[np.ndarray]:
    """Sample indices of each draw: every member of each drawn cluster (a cluster drawn
    twice enters twice), clusters drawn with replacement (seeded)."""
    order = np.argsort(clusters.codes, kind="stable")  # members of cluster 0, then 1 ...
    sizes = np.bincount(clusters.codes, minlength=clusters.count)
    starts = np.cumsum(sizes) - sizes
    rows = []
    for picked in cluster_draws(clusters.count, resamples, seed):
        counts = sizes[picked]
        # position k of the run of cluster g reads order[starts[g] + k]
        offsets = np.repeat(starts[picked] - (np.cumsum(counts) - counts), counts)
        rows.append(order[offsets + np.arange(counts.sum())])
    return rows


def _protocol(run: Run, other: Run) -> dict[str, Any]:
    """``run``'s configuration as compared with ``other``'s: without the tokenizer's name,
    arguments and clip length, and with only the weight files both runs loaded."""
    config = {k: v for k, v in run.summary.config.items()
              if k not in NOT_PROTOCOL and k != "num_frames"}
    shared = set(other.summary.config.get("weights") or {})
    weights = {k: v for k, v in (config.pop("weights", None) or {}).items() if k in shared}
    return {**config, "weights": weights} if weights else config


def caveats(a: Run, b: Run) -> list[str]:
    """What differs between the runs that is not refused: the clip lengths their tokenizers
    take, input files allowed to differ (``--allow-other-inputs``), records of no
    fingerprint."""
    out = []
    changed = other_inputs(a, b)
    if changed:
        out.append(f"Input files differ: {len(changed)} sample(s) have other content "
                   f"fingerprints in A and B (e.g. {changed[0]}); their differences are the "
                   "data's as much as the tokenizers' (--allow-other-inputs).")
    unknown = sum(1 for i in a.records if not (a.records[i].fingerprint
                                             and b.records[i].fingerprint))
    if unknown:
        out.append(f"{unknown} sample(s) have no input fingerprint in A or B (records "
                   "written before fingerprints were): same files not checked for them.")
    na, nb = a.summary.config.get("num_frames"), b.summary.config.get("num_frames")
    if na == nb:
        return out
    return [*out, f"Clip lengths differ: A scored {na}-frame clips, B {nb}-frame clips (each "
            "tokenizer's clip-length rule applied to the task's frames_per_clip "
            f"{a.summary.config.get('task', {}).get('frames_per_clip')}); every per-sample "
            "difference compares the two tokenizers each on the clip it takes. For equal "
            "lengths, rerun both with --task-arg frames_per_clip=N, N a length both take."]


def _percentile_ci(values: np.ndarray) -> tuple[float, float] | None:
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def _tests(diff: np.ndarray) -> tuple[float | None, float | None]:
    from scipy import stats

    nonzero = diff[diff != 0]
    if not len(nonzero):
        return None, None
    sign = stats.binomtest(int((nonzero > 0).sum()), len(nonzero), 0.5).pvalue
    try:
        wilcoxon = stats.wilcoxon(nonzero).pvalue
    except ValueError:
        wilcoxon = None
    return float(sign), None if wilcoxon is None else float(wilcoxon)


def _per_sample_values(run: Run, ids: list[str], metric: str) -> np.ndarray | None:
    if not all(metric in run.records[i].metrics for i in ids):
        return None
    return np.array([float(run.records[i].metrics[metric]) for i in ids])


def draws(n: int, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, n)`` sample indices, drawn with replacement (seeded)."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def alias_order(ids: list[str], picks: np.ndarray) -> list[tuple[str, int]]:
    """``(name, index)`` of each pick in the order ``finalize`` sees them: sorted by name,
    the j-th repeat of a sample named ``<id>#<j>`` (j >= 1)."""
    seen: dict[int, int] = {}
    named = []
    for i in picks.tolist():
        j = seen.get(i, 0)
        seen[i] = j + 1
        named.append((ids[i] if j == 0 else f"{ids[i]}#{j}", i))
    return sorted(named)


def aliased(records: list[StoredRecord], picks: np.ndarray) -> list[StoredRecord]:
    """The picked records, sorted, the j-th repeat of a sample renamed ``<id>#<j>``."""
    named = alias_order([r.sample_id for r in records], picks)
    return [records[i] if name == records[i].sample_id
            else dataclasses.replace(records[i], sample_id=name) for name, i in named]


def compare_metric(
    a: Run, b: Run, metric: str, *, resamples: int, seed: int,
    finalize_a: Resample | None = None, finalize_b: Resample | None = None,
) -> MetricComparison:
    """Compare ``metric`` of ``b`` against ``a`` (``finalize_*``: each run's metrics on a
    draw, :func:`family_resample`, needed for dataset-level metrics)."""
    ids = sorted(a.records)
    va, vb = _per_sample_values(a, ids, metric), _per_sample_values(b, ids, metric)
    point_a, point_b = a.summary.metrics.get(metric), b.summary.metrics.get(metric)
    sign = wilcoxon = None
    if va is not None and vb is not None:
        sign, wilcoxon = _tests(vb - va)
    clusters = pair_clusters(a, b, ids)
    resampled = clusters.count if clusters.clustered else None
    if finalize_a is None or finalize_b is None:
        if va is None or vb is None:
            raise ConfigError(f"metric {metric!r} is not per sample: comparing it needs the "
                              "family's finalize (rebuilt from the run folders)")
        diff = vb - va
        if resampled:  # each draw: the mean difference over its clusters' pairs
            boot = bootstrap_means(diff, clusters.codes, clusters.count, draws=resamples,
                                   seed=seed)
        else:
            boot = diff[draws(len(ids), resamples, seed)].mean(axis=1)
        return MetricComparison(metric, point_a, point_b, float(diff.mean()),
                                _percentile_ci(boot), len(ids), "per-sample", sign, wilcoxon,
                                diff, resamples, resampled)
    picks = (cluster_rows(clusters, resamples, seed) if resampled
             else draws(len(ids), resamples, seed))
    boot = []
    from tqdm import tqdm

    # the bar's [elapsed<remaining] is the ETA of a long compare
    for row in tqdm(picks, desc=f"bootstrap {metric}", unit="draw", mininterval=1.0):
        ma = finalize_a(row).get(metric)
        mb = finalize_b(row).get(metric)
        boot.append(math.nan if ma is None or mb is None else mb - ma)
    boot_arr = np.array(boot, dtype=float)
    delta = None if point_a is None or point_b is None else float(point_b) - float(point_a)
    return MetricComparison(metric, point_a, point_b, delta, _percentile_ci(boot_arr),
                            len(ids), "finalize bootstrap", sign, wilcoxon, boot_arr,
                            int(np.isfinite(boot_arr).sum()), resampled)


def run_level(a: Run, b: Run, metric: str) -> MetricComparison:
    """A ``RUN_LEVEL`` metric: both values and their difference, no interval or test."""
    va, vb = a.summary.metrics.get(metric), b.summary.metrics.get(metric)
    delta = None if va is None or vb is None else float(vb) - float(va)
    return MetricComparison(metric, va, vb, delta, None, len(a.records),
                            "run-level, no paired test", None, None, np.zeros(0))


# rebuilding a family from a run folder -------------------------------------------------------


class _AliasedDataset:
    """A dataset whose ``refs()`` also lists ``<id>#<j>`` aliases, ``j < copies``."""

    def __init__(self, dataset: Any, copies: int) -> None:
        self._dataset, self._copies = dataset, copies

    def refs(self):
        for ref in self._dataset.refs():
            yield ref
            for j in range(1, self._copies):
                yield dataclasses.replace(ref, sample_id=f"{ref.sample_id}#{j}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dataset, name)


def family_resample(run: Run, copies: int, *, include_paths: list[str]) -> Resample | None:
    """The run's metrics on a bootstrap draw (``None`` when its family's ``finalize`` is the
    default mean): the family set up as the run was, on the run's dataset with ``copies``
    aliases per sample. From the statistics the family caches once where it declares them
    (``bootstrap_statistics``), else its ``finalize`` on the draw's aliased records."""
    from benchmarks.config import TaskConfig
    from benchmarks.families import TASK_FAMILIES
    from benchmarks.runner.plan import build_family, create_checked_tokenizer, open_dataset

    s = run.summary
    family_cls = TASK_FAMILIES.get(s.family)
    if family_cls.finalize is TaskFamily.finalize:
        return None
    import torch

    config = TaskConfig(**{k: v for k, v in s.config["task"].items()
                           if k in {f.name for f in dataclasses.fields(TaskConfig)}})
    params = family_cls.Params(**s.params) if family_cls.Params and s.params else None
    tokenizer = create_checked_tokenizer(s.tokenizer, s.tokenizer_args).eval()
    dataset, info = open_dataset(config, Path(str(s.data_root)))
    family = build_family(family_cls, config, params, tokenizer, device=torch.device("cpu"))
    family.setup(_AliasedDataset(dataset, copies), info)  # run_dir None: finalize writes nothing
    ids = sorted(run.records)
    records = [run.records[i] for i in ids]
    statistics = family.bootstrap_statistics(records, info)
    if statistics is not None:
        return lambda row: family.evaluate_statistics(
            statistics, np.array([i for _, i in alias_order(ids, row)], dtype=np.int64))
    return lambda row: family.finalize(aliased(records, row), info).metrics


# output -----------------------------------------------------------------------------------


def render(a: Run, b: Run, results: list[MetricComparison]) -> str:
    lines = [f"# {a.summary.task}: {b.name} (B) − {a.name} (A), paired over "
             f"{results[0].n if results else 0} samples", "",
             "| metric | A | B | B − A | 95% CI (bootstrap) | method | sign test p | "
             "Wilcoxon p |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        ci = ("n/a" if r.ci95 is None
              else f"[{format_number(r.ci95[0])}, {format_number(r.ci95[1])}]")
        a_text, b_text = format_number(r.a), format_number(r.b)
        draws_text = f" ({r.resamples_used} draws)" if r.ci95 is not None else ""
        if r.clusters and r.ci95 is not None:
            draws_text = f" ({r.resamples_used} draws of {r.clusters} clusters)"
        lines.append(f"| {r.metric} | {a_text} | {b_text} | {format_number(r.mean_difference)} "
                     f"| {ci} | {r.method}{draws_text} | "
                     f"{format_number(r.sign_test_p)} | {format_number(r.wilcoxon_p)} |")
    n = results[0].n if results else 0
    clusters = next((r.clusters for r in results if r.clusters), None)
    if n < FEW_SAMPLES:
        lines += ["", f"Only {n} paired samples (fewer than {FEW_SAMPLES}): the bootstrap "
                  "interval is unreliable (it cannot be wider than the few values drawn; "
                  "the sign test may disagree with it). Compare on more samples."]
    elif clusters is not None:
        lines += ["", f"The samples come in {clusters} clusters (clips of one source): each "
                  "draw resamples whole clusters of pairs."
                  + (f" Fewer than {FEW_SAMPLES} clusters: the interval is unreliable; the "
                     "sign and Wilcoxon tests treat the samples as independent."
                     if clusters < FEW_SAMPLES else " The sign and Wilcoxon tests treat the "
                     "samples as independent.")]
    for caveat in caveats(a, b):
        lines += ["", caveat]
    if a.summary.demo_data or b.summary.demo_data:
        lines += ["", "DEMO DATA — not the real benchmark."]
    return "\n".join(lines)


def plot(path: Path, results: list[MetricComparison]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = [r for r in results if len(r.differences)] or results[:1]
    fig, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 3), squeeze=False)
    for ax, r in zip(axes[0], results, strict=True):
        values = r.differences[np.isfinite(r.differences)]
        ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="#7a9cc6")
        if r.ci95 is not None:
            ax.axvspan(*r.ci95, color="orange", alpha=0.3, label="95% CI")
        if r.mean_difference is not None:
            ax.axvline(r.mean_difference, color="red", label="B − A")
        ax.axvline(0, color="black", lw=0.8)
        kind = "per-sample B − A" if r.method == "per-sample" else "bootstrap B − A"
        ax.set_title(f"{r.metric}: {kind}", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_compare(
    path_a: Path, path_b: Path, *, metrics: list[str] | None = None, out: Path | None = None,
    resamples: int = 1000, seed: int = 0, include_paths: list[str] | None = None,
    allow_other_inputs: bool = False,
) -> tuple[str, Path]:
    """Compare two run folders; returns the markdown and the output folder."""
    a, b = read_run(path_a), read_run(path_b)
    problem = refusal(a, b, allow_other_inputs=allow_other_inputs)
    if problem:
        raise ConfigError(f"cannot compare {a.path} and {b.path}: {problem}")
    available = [m for m in a.summary.metrics if m in b.summary.metrics]
    names = metrics or available
    for m in names:
        if m not in available:
            raise ConfigError(f"--metric {m!r}: not in both runs (they have: "
                              f"{', '.join(available) or 'none'})")
    ids = sorted(a.records)
    clusters = pair_clusters(a, b, ids)
    picks = (cluster_rows(clusters, resamples, seed) if clusters.clustered
             else draws(len(a.records), resamples, seed))
    copies = max((np.bincount(row).max() for row in picks), default=1) if len(a.records) else 1
    # the family's finalize is rebuilt only for dataset-level metrics (not stored per sample)
    dataset_level = any(_per_sample_values(a, ids, m) is None
                        for m in names if m not in RUN_LEVEL)
    fa = fb = None
    if dataset_level:
        fa = family_resample(a, int(copies), include_paths=include_paths or [])
        fb = family_resample(b, int(copies), include_paths=include_paths or []) if fa else None
    results = [run_level(a, b, m) if m in RUN_LEVEL else
               compare_metric(a, b, m, resamples=resamples, seed=seed, finalize_a=fa,
                              finalize_b=fb) for m in names]
    out = out or Path("results/compare") / a.summary.task / f"{a.name}_vs_{b.name}"
    out = output_folder(out, option="--out")
    text = render(a, b, results)
    (out / "compare.md").write_text(text + "\n")
    plot(out / "compare.png", results)
    (out / "compare.json").write_text(dumps([
        {**{k: v for k, v in dataclasses.asdict(r).items() if k != "differences"}}
        for r in results], indent=2) + "\n")
    return text, out
