"""Add new (zero- or freshly initialised) parameters to a PyraTok *training* checkpoint.

    python scripts/extend_checkpoint.py RUN_DIR/checkpoint

Used once, for the bundled demo checkpoint (its TRAINING.md): when the code gains a
module, the model weights are loaded by name (new tensors keep their init) and the AdamW
moments are re-keyed from the old parameter order to the new one, by parameter name, so
the run resumes with its optimizer state, step count, elapsed time and RNG states intact.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import load_file, save_file

from pyratok.config import PyraTokConfig, TrainConfig
from pyratok.losses import PyraTokObjective
from pyratok.model import PyraTok
from pyratok.train import STATE_NAME, init_weights


def main(path: str) -> int:
    ckpt = Path(path)
    model = PyraTok(PyraTokConfig.from_json(ckpt / "config.json"))
    report = init_weights(model, ckpt)
    if report["skipped"]:
        raise SystemExit(f"checkpoint has tensors the code lacks: {report['skipped']}")
    missing = set(report["new"])
    with safe_open(str(ckpt / STATE_NAME), framework="pt") as f:
        meta = f.metadata()
    state = load_file(str(ckpt / STATE_NAME))
    objective = PyraTokObjective(model, TrainConfig(**json.loads(meta["train_config"])))
    named = [(f"model.{n}", p) for n, p in model.named_parameters() if p.requires_grad] + [
        (f"objective.{n}", p) for n, p in objective.named_parameters() if p.requires_grad]
    new_names = [n for n, _ in named]
    old_names = [n for n in new_names if n[len("model."):] not in missing]
    remapped = {}
    for key, value in state.items():
        if key.startswith("optim."):
            _, pid, rest = key.split(".", 2)
            key = f"optim.{new_names.index(old_names[int(pid)])}.{rest}"
        remapped[key] = value
    groups = json.loads(meta["param_groups"])
    groups[0]["params"] = list(range(len(new_names)))
    meta["param_groups"] = json.dumps(groups)
    model.save_pretrained(ckpt)
    save_file(remapped, str(ckpt / STATE_NAME), metadata=meta)
    print(f"added {sorted(missing)}; {len(old_names)} optimizer entries re-keyed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
