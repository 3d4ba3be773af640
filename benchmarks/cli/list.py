"""``list``: the tasks (and whether they have a demo set) and the tokenizers (and what
they need)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("list", parents=parents, help="tasks (and whether they have a demo "
                       "set) and tokenizers (and what they need)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from benchmarks.api import list_tokenizers
    from benchmarks.config import task_files
    from benchmarks.datasets.demo import DEMO_DATASETS
    from benchmarks.tokenizers import TOKENIZERS
    from benchmarks.tokenizers.arguments import required_arguments

    tasks = task_files(args.include_path)
    print("tasks (demo: runs without --data-root on a bundled demo set):")
    for name in sorted(tasks):
        raw = tasks[name].raw
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
