"""``python -m benchmarks {list,run,score,tables}`` — a thin shell over :mod:`benchmarks.api`.

Exit codes of ``run``: 0 all samples scored; 1 some samples failed (listed in
``failures.jsonl``); 2 bad usage (unknown name, bad task file or argument, missing data);
3 ``--strict`` stopped at the first failure.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from pathlib import Path
from typing import NoReturn

from benchmarks.config import ConfigError, parse_key_values
from benchmarks.datasets.base import DatasetError
from benchmarks.registry import RegistryError

log = logging.getLogger("benchmarks")


EXIT_CODES = """exit codes:
  0    every sample on disk was scored; listed samples absent on disk (a partial
       download) are counted once (n_missing, missing_ids.txt) with one warning line
  1    the run finished, but some samples failed (each named in failures.jsonl), or none
       was scored, or --strict and some listed samples are absent on disk
  2    bad usage: unknown name, bad task file, argument, path, file or device
  3    --strict stopped the run at the first failure
  130  interrupted (Ctrl-C); rerunning the same command resumes"""

RUN_EXAMPLES = """examples:
  python -m benchmarks run --task kinetics400 --tokenizer pyratok
      (no --data-root: the bundled demo set, and the output says so)
  python -m benchmarks run --task webvid --tokenizer wan2.1 \\
      --tokenizer-arg path=~/ckpt/wan2.1-vae --data-root ~/data/webvid --limit 500
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    """The command line; every option has help, ``run --help`` adds examples and exit codes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (default: one line)")
    common.add_argument("--include-path", action="append", default=[], metavar="DIR",
                        help="also read task YAMLs from DIR (repeatable; overrides built-ins)")
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure video tokenizers on reconstruction and video-language "
        "benchmarks (PyraTok's evaluation harness). 'list' shows what exists.",
        epilog=EXIT_CODES,
        formatter_class=fmt,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", parents=[common], help="tasks (and whether they have a demo set) "
                   "and tokenizers (and what they need)")

    r = sub.add_parser("run", parents=[common], help="run one task with one tokenizer",
                       description="Score a tokenizer on a task. Results are written per "
                       "sample as they complete; rerunning the same command resumes.",
                       epilog=RUN_EXAMPLES + "\n" + EXIT_CODES, formatter_class=fmt)
    r.add_argument("--task", required=True, help="task name (see 'list'), e.g. kinetics400")
    r.add_argument("--tokenizer", required=True,
                   help="tokenizer name (see 'list'), e.g. pyratok, wan2.1, identity")
    r.add_argument("--tokenizer-arg", action="append", default=[], metavar="K=V",
                   help="argument for the tokenizer factory, value typed as YAML "
                   "(repeatable), e.g. path=~/ckpt/wan2.1-vae dtype=bfloat16")
    r.add_argument("--task-arg", action="append", default=[], metavar="K=V",
                   help="override a task YAML key (repeatable), e.g. frames_per_clip=33")
    r.add_argument("--generator", metavar="NAME",
                   help="generation tasks: the generator (ar, real-copy, noise, plug-ins)")
    r.add_argument("--generator-arg", action="append", default=[], metavar="K=V",
                   help="argument for the generator factory, value typed as YAML "
                   "(repeatable), e.g. checkpoint=~/ckpt/ar")
    r.add_argument("--data-root", metavar="DIR",
                   help="the dataset in its official layout (default: the task's demo set)")
    r.add_argument("--limit", type=_positive_int, metavar="N",
                   help="score only the first N samples (sorted by id)")
    r.add_argument("--output", metavar="DIR", help="results folder (default: results/runs)")
    r.add_argument(
        "--run-name", metavar="NAME",
        help="run folder under <output>/<task>/ (default: the tokenizer name, plus a "
        "short hash of the --tokenizer-arg values when there are any)",
    )
    r.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    r.add_argument("--batch-size", type=_positive_int, metavar="B",
                   help="clips per tokenizer call (default: the task's)")
    r.add_argument("--num-workers", type=_non_negative_int, metavar="W",
                   help="background decoding processes, 0 = decode in-process "
                   "(default: the task's)")
    r.add_argument("--seed", type=int, default=0,
                   help="seed of per-sample randomness (default: 0)")
    r.add_argument("--no-resume", action="store_true",
                   help="discard this run folder's earlier results and start afresh")
    r.add_argument("--strict", action="store_true",
                   help="stop at the first sample that fails (exit 3); exit 1 when listed "
                   "samples are absent on disk")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    r.add_argument("--shard", metavar="i/N",
                   help="score only shard i of N (0 <= i < N; e.g. $SLURM_ARRAY_TASK_ID/N) "
                   "into <run>/shards/i-of-N/; join them with 'merge'")

    sc = sub.add_parser(
        "score", parents=[common],
        help="score an official prediction file (no tokenizer)",
        description="Run a task's ground-truth reader and dataset-level evaluator on a "
        "prediction file. Exit 2 on a malformed file, an unknown label or id.",
        epilog="example:\n  python -m benchmarks score --task kinetics400 "
        "--annotations val.csv --predictions pred.json --json\n\n" + EXIT_CODES,
        formatter_class=fmt,
    )
    sc.add_argument("--task", required=True, help="task name (see 'list')")
    sc.add_argument("--annotations", required=True, metavar="GT",
                    help="ground truth in the task's official format")
    sc.add_argument("--predictions", required=True, metavar="P",
                    help="predictions (JSON; thumos14 also its official result text format)")
    sc.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sc.add_argument("--output", metavar="DIR", help="also write DIR/summary.json")
    sc.add_argument("--task-arg", action="append", default=[], metavar="K=V",
                    help="override a task YAML key (repeatable)")

    t = sub.add_parser("tables", parents=[common], help="result tables from finished runs",
                       description="One row per run, one column per task metric.")
    t.add_argument("--runs", default="results/runs", metavar="DIR",
                   help="folder of runs (default: %(default)s)")
    t.add_argument("--format", choices=["md", "csv", "latex"], default="md",
                   help="output format (default: md)")
    t.add_argument("--task", action="append", help="only these tasks (repeatable)")
    t.add_argument("--paper", nargs="?", const=True, default=False, type=_paper_table,
                   metavar="N",
                   help="with N (1-10, or fig29): the paper's Table N (Figure 29's "
                   "numbers) in its layout, its rows 'reported' beside the runs' rows "
                   "'measured'; without N: add the paper's numbers to the run table, marked "
                   "as claims")
    t.add_argument("--out", metavar="FILE", help="write the table to FILE (default: stdout)")

    rp = sub.add_parser("report", parents=[common], help="a static leaderboard page of runs",
                        description="Write a self-contained folder (index.html, no server, "
                        "no network): a sortable table per task, links to each run's config "
                        "and samples, the plots the runs wrote, codebook utilization vs "
                        "resolution.")
    rp.add_argument("--runs", default="results/runs", metavar="DIR",
                    help="folder of runs (default: %(default)s)")
    rp.add_argument("--out", default="site", metavar="DIR",
                    help="folder to write (default: %(default)s)")
    rp.add_argument("--no-utilization", action="store_true",
                    help="skip the codebook utilization vs resolution plot (it encodes "
                    "demo clips with the bundled PyraTok checkpoint)")

    ck = sub.add_parser(
        "check", parents=[common], help="compare run summaries with a committed baseline",
        description="Per metric: baseline, now, delta, tolerance (max(abs, rel*|baseline|)) "
        "and verdict by the metric's direction. Exit 1 on a regression (named), 0 otherwise "
        "(improvements are reported). Baseline format: see benchmarks/check.py.",
    )
    ck.add_argument("--baseline", required=True, metavar="FILE",
                    help="baseline JSON, e.g. results/baselines/demo.json")
    ck.add_argument("--runs", default="results/runs", metavar="DIR",
                    help="folder of runs (default: %(default)s)")
    ck.add_argument("--tolerances", metavar="FILE",
                    help="JSON/YAML tolerances (default/metrics/tasks) over the baseline's")
    ck.add_argument("--update", action="store_true",
                    help="rewrite the baseline from the runs (tolerances kept)")
    ck.add_argument("--all", action="store_true", help="list unchanged metrics too")

    cp = sub.add_parser(
        "compare", parents=[common], help="paired comparison of two runs of one task",
        description="B - A per metric: mean difference, paired bootstrap 95%% CI (dataset-"
        "level metrics: the family's finalize on resampled samples), sign and Wilcoxon "
        "tests; markdown, PNG and JSON in --out. Refuses (exit 2) runs of different tasks, "
        "sample sets or protocols.",
    )
    cp.add_argument("run_a", metavar="RUN_A", help="run folder <output>/<task>/<run>")
    cp.add_argument("run_b", metavar="RUN_B", help="run folder of the same task")
    cp.add_argument("--metric", action="append", help="only this metric (repeatable)")
    cp.add_argument("--out", metavar="DIR",
                    help="output folder (default: results/compare/<task>/<A>_vs_<B>)")
    cp.add_argument("--resamples", type=_positive_int, default=1000,
                    help="bootstrap draws (default: %(default)s)")
    cp.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")

    mg = sub.add_parser("merge", parents=[common], help="merge a run's --shard parts",
                        description="Join the finished shards of RUN_DIR into one summary, "
                        "identical to an unsharded run's.")
    mg.add_argument("run_dir", metavar="RUN_DIR", help="run folder <output>/<task>/<run>")
    mg.add_argument("--device", help="cpu, cuda ... (default: cuda if available)")

    rd = sub.add_parser("rd", parents=[common], help="rate-distortion table, plot and BD-rate",
                        description="RD curves of sweep runs (one curve per codec/tokenizer), "
                        "a PNG of PSNR-Y vs bpp, and Bjontegaard BD-rate / BD-PSNR against an "
                        "anchor curve.",
                        epilog="example:\n  python -m benchmarks run --task mcl-jcv --tokenizer "
                        "hevc --task-arg rates=[0.02,0.034,0.05,0.08]\n  python -m benchmarks "
                        "rd --task mcl-jcv --runs results/runs --anchor h264", formatter_class=fmt)
    rd.add_argument("--task", required=True, help="task name, e.g. mcl-jcv")
    rd.add_argument("--runs", default="results/runs", metavar="DIR",
                    help="folder of runs: <DIR>/<task>/<run>/summary.json (default: %(default)s)")
    rd.add_argument("--anchor", help="curve to compare against (default: the first curve)")
    rd.add_argument("--out", metavar="DIR", help="output folder (default: <DIR>/<task>/rd)")
    rd.add_argument("--rate", default="auto", choices=["auto", "bpp", "bpp_tokens", "bpp_entropy"],
                    help="rate metric (auto: bpp for codecs, bpp_tokens for tokenizers)")
    rd.add_argument("--quality", default="psnr_y", help="quality metric (default: %(default)s)")
    return p


def _paper_table(text: str) -> int | str:
    name = text.strip().lower()
    if name in ("fig29", "fig10"):  # fig10: the paper prints no number for it
        return name
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= 10:
        raise argparse.ArgumentTypeError(
            f"expected a table number 1-10 or fig29, got {text!r}")
    return number


def _cmd_merge(args: argparse.Namespace) -> int:
    from benchmarks.runner.shards import merge

    result = merge(Path(args.run_dir), device=args.device)
    s = result.summary
    print(f"{s['task']} × {s['run_name']}: merged {s['merged_shards']} shards, "
          f"{s['n_samples']} scored, {s['n_failed']} failed")
    for name, value in s["metrics"].items():
        print(f"  {name:<12} {_fmt(value)}")
    print(f"results: {result.run_dir}")
    return result.exit_code


def _cmd_compare(args: argparse.Namespace) -> int:
    from benchmarks.compare import run_compare

    text, out = run_compare(
        Path(args.run_a), Path(args.run_b), metrics=args.metric,
        out=Path(args.out) if args.out else None, resamples=args.resamples, seed=args.seed,
        include_paths=args.include_path,
    )
    print(text)
    print(f"written: {out}/compare.md, compare.png, compare.json")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from benchmarks.check import run_check

    code, text = run_check(
        Path(args.baseline), Path(args.runs),
        tolerances_path=Path(args.tolerances) if args.tolerances else None,
        update=args.update, show_all=args.all,
    )
    print(text)
    return code


def _cmd_list(args: argparse.Namespace) -> int:
    from benchmarks.api import list_tasks, list_tokenizers
    from benchmarks.config import discover_tasks, read_yaml
    from benchmarks.datasets.demo import DEMO_DATASETS
    from benchmarks.tokenizers import TOKENIZERS
    from benchmarks.tokenizers.arguments import required_arguments

    paths = discover_tasks(args.include_path)
    print("tasks (demo: runs without --data-root on a bundled demo set):")
    for name in list_tasks(args.include_path):
        raw = read_yaml(paths[name])
        demo = "demo" if raw.get("dataset") in DEMO_DATASETS else "    "
        print(f"  {name:<14} {raw.get('family', '?'):<16} {demo}  {raw.get('description', '')}")
    print("tokenizers (needs: the --tokenizer-arg values without a default):")
    for name in list_tokenizers():
        try:
            needs = ", ".join(f"{k}=..." for k in required_arguments(TOKENIZERS.get(name)))
        except Exception as err:  # a broken plug-in is listed, not fatal
            needs = f"(cannot be loaded: {err})"
        print(f"  {name:<16} {('needs ' + needs) if needs else ''}")
    return 0


MAX_PRINTED_ENTRIES = 12  # of one dict in 'evaluation' (every entry is in summary.json)


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.4g}"


def _cmd_run(args: argparse.Namespace) -> int:
    from benchmarks.runner import RunOptions, run
    from benchmarks.runner.sweep import sweep_args

    points = sweep_args(args)  # --task-arg rates=[...]: one run per sweep point
    if points is not None:
        return max(_cmd_run(point) for point in points)

    task_args = parse_key_values(args.task_arg, flag="--task-arg")
    if args.generator:
        task_args["generator"] = args.generator
    if args.generator_arg:
        task_args["generator_args"] = parse_key_values(args.generator_arg, flag="--generator-arg")
    opts = RunOptions(
        task=args.task,
        tokenizer=args.tokenizer,
        tokenizer_args=parse_key_values(args.tokenizer_arg, flag="--tokenizer-arg"),
        task_args=task_args,
        data_root=args.data_root,
        output=args.output,
        run_name=args.run_name,
        limit=args.limit,
        seed=args.seed,
        device=args.device,
        batch_size=args.batch_size,
        num_workers=args.num_workers,
        resume=not args.no_resume,
        strict=args.strict,
        include_paths=args.include_path,
        progress=not args.no_progress,
    )
    if args.shard:
        from benchmarks.runner.shards import parse_shard

        opts.shard = parse_shard(args.shard)
    result = run(opts)
    s = result.summary
    if int(os.environ.get("RANK", 0)) != 0:  # torchrun: rank 0 reports
        return result.exit_code
    if opts.shard is not None:
        print(f"shard {opts.shard[0]}/{opts.shard[1]}: {s['n_samples']} scored, "
              f"{s['n_failed']} failed in {result.run_dir}; when all are done: "
              f"python -m benchmarks merge {result.run_dir.parent.parent}")
        return result.exit_code
    header = f"{s['task']} × {s['run_name']}: {s['n_samples']} scored, {s['n_failed']} failed"
    if s.get("stopped"):
        print(f"stopped: {s['stopped']} (--strict; {s['n_failed']} failure(s) in "
              f"{result.run_dir / 'failures.jsonl'})", file=sys.stderr)
    if not s["n_samples"]:
        print(f"no sample was scored: of {s['n_listed']} listed, {s['n_failed']} failed (the "
              f"reasons are in {result.run_dir / 'failures.jsonl'}) and {s['n_missing']} are "
              "not on disk", file=sys.stderr)
    if s["demo_data"]:
        header += "  [DEMO DATA — not the real benchmark]"
    print(header)
    if s.get("n_missing"):
        print(f"warning: {s['n_missing']} listed sample(s) not on disk (a partial download?), "
              f"not scored and not failures: ids in {result.run_dir / s['files']['missing_ids']}"
              f"{'' if opts.strict else ' (--strict: exit 1)'}", file=sys.stderr)
    for name, value in s["metrics"].items():
        ci = s["metrics_ci95"].get(name)
        ci_txt = f" ± {_fmt(ci)}" if ci is not None and not math.isnan(ci) else ""
        print(f"  {name:<12} {_fmt(value)}{ci_txt}")
    by_reason: dict[str, list[str]] = {}  # metrics sharing a reason share one line
    for name, reason in s["unavailable"].items():
        by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():
        first = reason.split(". ")[0].rstrip(".")
        more = " (how to fix: see 'unavailable' in summary.json)" if first != reason else ""
        print(f"  {', '.join(names):<12} unavailable: {first}{more}")
    for key, value in s.get("evaluation", {}).items():
        if isinstance(value, bool | int | float | str):
            print(f"  {key:<12} {value}")
        elif isinstance(value, dict) and all(
            isinstance(v, int | float | type(None)) for v in value.values()
        ):  # e.g. mAP per tIoU threshold; a long one (clips per class) is cut short
            for sub, v in list(value.items())[:MAX_PRINTED_ENTRIES]:
                print(f"  {key + '@' + str(sub):<12} {_fmt(v)}")
            if len(value) > MAX_PRINTED_ENTRIES:
                print(f"  {key}: {len(value) - MAX_PRINTED_ENTRIES} more in summary.json")
    print(f"results: {result.run_dir}")
    return result.exit_code


def _cmd_score(args: argparse.Namespace) -> int:
    import json

    from benchmarks.scoring import flat_result, score_files
    from benchmarks.store import write_json_atomic

    summary = score_files(
        args.task,
        annotations=args.annotations,
        predictions=args.predictions,
        include_paths=args.include_path,
        task_args=parse_key_values(args.task_arg, flag="--task-arg"),
    )
    if args.output:
        out = Path(args.output).expanduser()
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "summary.json", summary)
    if args.json:
        print(json.dumps(flat_result(summary)))
        return 0
    print(f"{summary['task']} (score mode): {args.predictions}")
    for name, value in flat_result(summary).items():
        print(f"  {name:<12} {_fmt(value) if isinstance(value, float) else value}")
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from benchmarks.tables import load_summaries, paper_claims, render

    summaries, unreadable = load_summaries(Path(args.runs), tasks=args.task, skipped=True)
    for path, reason in unreadable:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if args.paper == "fig10":
        print("--paper fig10: the paper prints no numbers for Figure 10 (its text says only "
              "that gains 'saturate beyond 80K vocab size'); figures with numbers: fig29",
              file=sys.stderr)
        return 2
    if args.paper is not True and args.paper:
        from benchmarks.paper_tables import paper_table_text

        if not summaries:
            print(f"no summary.json under {args.runs}: measured cells say why",
                  file=sys.stderr)
        text = paper_table_text(args.paper, summaries, runs=Path(args.runs),
                                fmt=args.format, include_paths=args.include_path)
        return _emit(text, args.out)
    if not summaries:
        print(f"no summary.json under {args.runs}", file=sys.stderr)
        return 2
    if args.paper:
        tasks = list(dict.fromkeys(s["task"] for s in summaries))
        summaries += paper_claims(tasks, include_paths=args.include_path)
    return _emit(render(summaries, fmt=args.format), args.out)


def _emit(text: str, out: str | None) -> int:
    if out is None:
        print(text)
        return 0
    path = Path(out).expanduser()
    if not path.parent.is_dir():
        raise FileNotFoundError(f"--out {out}: no folder {path.parent}")
    path.write_text(text + "\n", encoding="utf-8")
    print(f"written: {path}", file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from benchmarks.report import build_site

    index = build_site(Path(args.runs), Path(args.out), utilization=not args.no_utilization,
                       include_paths=args.include_path)
    print(f"report: {index}")
    return 0


def _cmd_rd(args: argparse.Namespace) -> int:
    from benchmarks.rd_curves import write_rd

    report = write_rd(args.task, runs=Path(args.runs), anchor=args.anchor,
                      out=Path(args.out) if args.out else None, rate=args.rate,
                      quality=args.quality)
    print(report)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    commands = {"list": _cmd_list, "run": _cmd_run, "score": _cmd_score, "tables": _cmd_tables,
                "report": _cmd_report, "check": _cmd_check, "compare": _cmd_compare,
                "merge": _cmd_merge, "rd": _cmd_rd}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt as err:
        if args.debug:
            raise
        from benchmarks.runner import Interrupted

        text = str(err) if isinstance(err, Interrupted) else "interrupted"
        print(text, file=sys.stderr)
        return 130
    except (ConfigError, RegistryError, FileNotFoundError, ValueError, DatasetError) as err:
        if args.debug:
            raise
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2


def finish(code: int) -> NoReturn:
    """Leave the process with ``code`` (the ``python -m benchmarks`` entry point).

    Ctrl-C (130): everything scored is on disk; leave at once, without the noise of
    DataLoader helper threads torn down mid-accept. Under torchrun, close the process
    group first: left to interpreter shutdown, gloo's threads can abort the process
    ("terminate called without an active exception") after a successful run.
    """
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if "torch.distributed" in sys.modules:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            try:  # every rank alive until all are done: rank 0 hosts the rendezvous store
                dist.barrier()
            finally:
                dist.destroy_process_group()
    raise SystemExit(code)
