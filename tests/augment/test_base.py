"""Synthetic items: typed, tagged, and round-tripped through JSONL."""

from __future__ import annotations

import pytest

from flagstone.augment.base import SyntheticItem, read_items, write_items
from flagstone.errors import DataError


def test_round_trip(tmp_path) -> None:
    items = [SyntheticItem("a text", {"violence": 1}, "template:violence/include0", {"k": 1}),
             SyntheticItem("b text", {}, "llm:stub")]
    assert write_items(items, tmp_path / "x.jsonl") == 2
    assert read_items(tmp_path / "x.jsonl") == items


@pytest.mark.parametrize(("labels", "origin", "message"), [
    ({"spam": 1}, "llm:x", "labels must be 0/1"),
    ({"violence": 2}, "llm:x", "labels must be 0/1"),
    ({"violence": 1}, "untagged", "origin must be"),
])
def test_bad_items_are_data_errors(labels, origin, message) -> None:
    with pytest.raises(DataError, match=message):
        SyntheticItem("t", labels, origin)


def test_read_rejects_malformed_rows_naming_the_row(tmp_path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "a", "labels": {}, "origin": "llm:x"}\n{"text": "b"}\n')
    with pytest.raises(DataError, match="row 2"):
        read_items(p)
    with pytest.raises(DataError, match="file not found"):
        read_items(tmp_path / "none.jsonl")
