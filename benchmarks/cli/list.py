"""``list``: the tasks (and whether they have a demo set), the tokenizers (and what
they need), the task families (what they need, and the files a run writes) and the
generators (what they condition on); ``list --protocols``: every named distance protocol
with all its fields."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("list", parents=parents, help="tasks (and whether they have a demo "
                       "set) and tokenizers (and what they need)")
    p.add_argument("--protocols", action="store_true",
                   help="only the named distance-metric protocols (FVD and successors), "
                        "each with every field, and whether its weights are on this machine")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if getattr(args, "protocols", False):
        return _protocols()
    from benchmarks.api import list_tokenizers
    from benchmarks.config import task_files
    from benchmarks.datasets.demo import DEMO_DATASETS
    from benchmarks.tokenizers import TOKENIZERS
    from benchmarks.tokenizers.arguments import required_arguments

    tasks = task_files(args.include_path)
    print("tasks (demo: runs without --data-root on a bundled demo set; own: the task file "
          "names its data_root):")
    for name in sorted(tasks):
        raw = tasks[name].raw
        demo = ("own " if raw.get("data_root") is not None
                else "demo" if raw.get("dataset") in DEMO_DATASETS else "    ")
        print(f"  {name:<14} {raw.get('family', '?'):<16} {demo}  {raw.get('description', '')}")
    print("tokenizers (needs: the --tokenizer-arg values without a default; then its kind, "
          "latent channels, spatial x temporal compression and the clip lengths it takes):")
    for name in list_tokenizers():
        try:
            needs = ", ".join(f"{k}=..." for k in required_arguments(TOKENIZERS.get(name)))
        except Exception as err:  # a broken plug-in is listed, not fatal
            needs = f"(cannot be loaded: {err})"
        needs = f"needs {needs}" if needs else ""
        print(f"  {name:<20} {needs:<28} {TOKENIZERS.about(name)}".rstrip())
    _families()
    _generators()
    return 0


def _families() -> None:
    """Each family's declared needs and prediction files (from its class variables)."""
    from benchmarks.families import TASK_FAMILIES

    print("families (requires: tokenizer capabilities; score: `score` evaluates its files; "
          "then the files a run writes, with their formats):")
    for name in TASK_FAMILIES.names():
        try:
            family = TASK_FAMILIES.get(name)
        except Exception as err:  # a broken plug-in is listed, not fatal
            print(f"  {name:<16} (cannot be loaded: {err})")
            continue
        requires = ", ".join(family.requires) or "-"
        line = f"  {name:<16} requires {requires:<14} {'score' if family.supports_score() else ''}"
        print(line.rstrip())
        for file, what in family.prediction_files.items():
            print(f"      {file}: {what}")


def _protocols() -> int:
    """Every named protocol: its fields, one a line, and whether its weights are here."""
    from benchmarks.features.protocols import PROTOCOLS

    print("distance protocols (--task-arg protocol=NAME; every field is recorded in the "
          "summary beside the number; weights: --task-arg weights_path=FILE):")
    for protocol in PROTOCOLS.values():
        fields = protocol.fields()
        print(f"  {protocol.name}  ->  {protocol.metric} (reconstruction: r{protocol.metric})"
              f"  fingerprint {protocol.fingerprint()}")
        for key in ("extractor", "features", "distance", "distance_formula", "n", "min_n",
                    "split", "seed"):
            print(f"      {key}: {fields[key]}")
        for key, value in fields["clip"].items():
            print(f"      clip.{key}: {value}")
        for weights in protocol.weights:
            where = weights.found()
            pin = ", ".join(f"{k} {v}" for k, v in weights.pin().items() if v) or "not pinned"
            print(f"      weights: {weights.file_name} ({pin}; ${weights.env_var}); "
                  + (f"found at {where}" if where else "not on this machine"))
        if not protocol.weights:
            print("      weights: none needed offline")
        print(f"      source: {protocol.source}")
        if protocol.differences:
            print(f"      differences: {protocol.differences}")
    return 0


def _generators() -> None:
    """Each generator's conditioning (declared on its factory) and what it is."""
    from benchmarks.generators import GENERATORS
    from benchmarks.generators.base import conditioning

    print("generators (--generator; conditions on: class = ucf101-gfvd, text = t2v-webvid, "
          "none = both):")
    for name in GENERATORS.names():
        try:
            kind = conditioning(GENERATORS.get(name))
        except Exception as err:  # a broken plug-in is listed, not fatal
            print(f"  {name:<16} (cannot be loaded: {err})")
            continue
        print(f"  {name:<16} {kind:<6} {GENERATORS.about(name)}".rstrip())
