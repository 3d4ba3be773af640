"""Tests for ``pyratok.zero_shot``: CLIP-style prompt ensembling and deterministic ranking."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

import pyratok.demo_eval as demo_eval
import pyratok.zero_shot as zero_shot
from pyratok.zero_shot import class_text_embeddings, rank_classes

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


def _imports(module) -> list[str]:
    tree = ast.parse(Path(module.__file__).read_text())
    return [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]


def test_model_side_does_not_import_benchmarks_and_demo_eval_uses_it():
    assert not any(name.split(".")[0] == "benchmarks" for name in _imports(zero_shot))
    assert "pyratok.zero_shot" in _imports(demo_eval)
