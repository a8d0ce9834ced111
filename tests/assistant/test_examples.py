"""The shipped intent examples and a shop's own CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.assistant.examples import (
    INTENTS,
    default_examples,
    read_examples,
    training_examples,
)
from shopmind.errors import DataError


def test_shipped_examples_cover_every_intent_in_both_languages() -> None:
    examples = default_examples()
    assert set(examples.intent) == set(INTENTS)
    counts = examples.groupby(["intent", "language"]).size()
    for intent in INTENTS:
        assert counts[(intent, "en")] >= 40, intent
        assert counts[(intent, "zh")] >= 15, intent
    assert not examples.text.duplicated().any()


def test_shop_examples_add_to_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "text,intent\nDo you engrave mugs?,engraving\nCan you engrave a name?,engraving\n"
    )
    mine = read_examples(path)
    assert list(mine.language) == ["en", "en"]
    combined = training_examples(mine)
    assert (combined.intent == "engraving").sum() == 2
    assert len(combined) == len(default_examples()) + 2


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("words,label\nhi,greeting\n", "missing columns \\['text', 'intent'\\]"),
        ("text,intent\nhi,\n", "row 1, column 'intent': empty"),
        ("text,intent\n", "no examples"),
    ],
)
def test_bad_example_files(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=problem):
        read_examples(path)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_examples(tmp_path / "nope.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81text")
    with pytest.raises(DataError, match="not a readable UTF-8 CSV"):
        read_examples(binary)
