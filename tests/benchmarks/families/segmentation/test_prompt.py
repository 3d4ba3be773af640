"""Free-text prompts split into semantic units (App. B.1)."""

from __future__ import annotations

import pytest

from benchmarks.families.segmentation.prompt import PromptUnit, prompt_units


def test_phrases_split_at_commas_semicolons_and_and_with_articles_dropped():
    units = prompt_units("A person, the dog; a red car and an umbrella.", ["dog", "Person"])
    assert units == [PromptUnit("person", 1), PromptUnit("dog", 0),
                     PromptUnit("red car", None), PromptUnit("umbrella", None)]


def test_duplicates_are_dropped_and_words_inside_phrases_kept():
    assert [u.phrase for u in prompt_units("sandy beach, Sandy beach, band", [])] == [
        "sandy beach", "band"]


@pytest.mark.parametrize("prompt", ["", " , and ;", "..."])
def test_a_prompt_without_phrases_is_an_error(prompt):
    with pytest.raises(ValueError, match="no words or phrases"):
        prompt_units(prompt, ["dog"])
