"""Reply templates: every one renders in both languages; shops override them safely."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from shopmind.assistant.replies import DEFAULT_REPLIES, LANGUAGES, Replies
from shopmind.errors import ConfigError


def _names(template: str) -> set[str]:
    return {n for _, n, _, _ in string.Formatter().parse(template) if n}


def test_every_template_exists_in_every_language_with_the_same_placeholders() -> None:
    for key, texts in DEFAULT_REPLIES.items():
        assert set(texts) == set(LANGUAGES), key
        assert _names(texts["zh"]) == _names(texts["en"]), key


def test_render_fills_placeholders_and_falls_back_to_english() -> None:
    replies = Replies()
    assert "O000123" in replies.render("order_not_found", "zh", order_id="O000123")
    assert replies.render("greeting", "fr") == replies.render("greeting", "en")


def test_override_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps({"handoff": {"en": "Ticket {ticket_id} is with our team."}}))
    replies = Replies.from_file(path)
    assert replies.render("handoff", "en", ticket_id=7) == "Ticket 7 is with our team."
    assert "#7" in replies.render("handoff", "zh", ticket_id=7)  # untouched language


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"nonsense": {"en": "x"}}, "unknown reply 'nonsense'"),
        ({"handoff": {"en": "Ticket {ticket}"}}, "unknown placeholders \\['ticket'\\]"),
        ({"greeting": {"en": "  "}}, "non-empty"),
    ],
)
def test_bad_overrides_are_refused(overrides: dict[str, dict[str, str]], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Replies(overrides)


def test_bad_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        Replies.from_file(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        Replies.from_file(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(["greeting"]))
    with pytest.raises(ConfigError, match="must map keys"):
        Replies.from_file(wrong)
