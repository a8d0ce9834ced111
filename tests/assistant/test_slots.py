"""What a message says besides its intent."""

from __future__ import annotations

import pytest

from shopmind.assistant import slots


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("where is order O000123?", ["O000123"]),
        ("order #12345, mail anna.b@example.com", ["12345"]),
        ("my orders o000045 and O000046", ["o000045", "O000046"]),
        ("size 42 running shoes", []),
        ("mail me at c00012@example.com", []),
    ],
)
def test_order_numbers(text: str, numbers: list[str]) -> None:
    assert slots.order_numbers(text) == numbers


def test_emails_are_lower_cased() -> None:
    assert slots.emails("I'm Anna.B@Example.COM.") == ["anna.b@example.com"]


@pytest.mark.parametrize(
    ("text", "human"),
    [
        ("I want to talk to a human", True),
        ("can I speak with a real person?", True),
        ("agent", True),
        ("转人工", True),
        ("我要找客服人员", True),
        ("I need a gift for someone", False),
        ("a present for a person who likes tea", False),
        ("I need a charger", False),
    ],
)
def test_explicit_human_requests(text: str, human: bool) -> None:
    assert slots.wants_human(text) is human


@pytest.mark.parametrize(
    ("text", "yes", "no", "other"),
    [
        ("yes please", True, False, False),
        ("是的", True, False, False),
        ("no, the other order", False, True, True),
        ("不是这个", False, True, True),
        ("nope", False, True, False),
    ],
)
def test_confirmations(text: str, yes: bool, no: bool, other: bool) -> None:
    assert (slots.means_yes(text), slots.means_no(text), slots.means_other(text)) == (
        yes,
        no,
        other,
    )


def test_language() -> None:
    assert slots.detect_language("where is my order") == "en"
    assert slots.detect_language("O000123 在哪里") == "zh"


@pytest.mark.parametrize(
    ("text", "stock"),
    [
        ("are the trail shoes in stock?", True),
        ("Trailfox boots 还有库存吗", True),
        ("这个什么时候到货", True),
        ("I'm looking for trail shoes", False),
    ],
)
def test_stock_questions(text: str, stock: bool) -> None:
    assert slots.asks_stock(text) is stock


def test_chinese_runs_into_emails_and_numbers() -> None:
    text = "订单O004332到哪了？邮箱是customer00034@example.com"
    assert slots.order_numbers(text) == ["O004332"]
    assert slots.emails(text) == ["customer00034@example.com"]


def test_only_details() -> None:
    assert slots.only_details("O000123, anna@example.com")
    assert not slots.only_details("where is O000123")
    assert not slots.only_details("hello")
    assert slots.detect_language("anna@example.com", default="zh") == "zh"


def test_without_details() -> None:
    assert slots.without_details("订单O000020还能退吗？邮箱a@b.com") == "订单 还能退吗？邮箱"
    assert slots.without_details("O000123") == ""
