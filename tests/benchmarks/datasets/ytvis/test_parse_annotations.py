"""The YouTube-VIS / OVIS annotation parser refuses an id given twice (the later entry
would silently win), for videos and categories alike."""

from __future__ import annotations

import pytest

from benchmarks.datasets.ytvis.annotations import AnnotationError, parse_annotations

VIDEO = {"id": 1, "width": 4, "height": 4, "length": 1, "file_names": ["v/0.jpg"]}


@pytest.mark.parametrize(("data", "entry", "reason"), [
    ({"videos": [VIDEO, VIDEO], "categories": []}, "videos[1]", "duplicate video id 1"),
    ({"videos": [VIDEO], "categories": [{"id": 1, "name": "person"}, {"id": 1, "name": "dog"}]},
     "categories[1]", "duplicate category id 1"),
])
def test_an_id_given_twice_is_refused(data, entry, reason):
    with pytest.raises(AnnotationError) as info:
        parse_annotations(data)
    assert (info.value.entry, info.value.reason) == (entry, reason)
