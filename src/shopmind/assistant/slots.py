"""What a message says besides its intent: its language, order numbers, e-mail addresses, and
the few phrases that must never be left to a classifier ("a human, please")."""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "asks_stock",
    "detect_language",
    "emails",
    "means_no",
    "means_other",
    "means_yes",
    "only_details",
    "order_numbers",
    "wants_human",
    "without_details",
]

_CJK: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EMAIL: Final = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
"""ASCII addresses: Chinese text runs straight into them ("邮箱是anna@example.com")."""
_ORDER: Final = re.compile(r"(?<![A-Za-z0-9_@.])#?([A-Za-z]{0,3}-?\d{3,12})(?![A-Za-z0-9_@])")
"""Latin boundaries only: Chinese text runs straight into a number ("订单O004383")."""
_LATIN_WORD: Final = re.compile(r"[A-Za-z]{2,}")
_HUMAN: Final = re.compile(
    r"\b(talk|speak|chat|connect|transfer|put me through|pass me)\b[^.?!]{0,24}\b(human|"
    r"person|agent|operator|representative|someone|somebody|staff|people)\b"
    r"|\b(want|need|get)\b[^.?!]{0,12}\b(human|agent|operator|representative)s?\b"
    r"|\b(real person|live agent|human being)\b"
    r"|^\W*(human|agent|operator|representative)( please)?\W*$"
    r"|人工|真人|转客服|找客服|客服人员|接线员",
    re.IGNORECASE,
)
_STOCK: Final = re.compile(
    r"\b(in stock|back in stock|out of stock|sold out|restock)"
    r"|有货|没货|有库存|还有库存|缺货|补货|到货",
    re.IGNORECASE,
)
_OTHER: Final = re.compile(
    r"\b(other|another|different|wrong|previous|older|earlier)\b|另一|另外|别的|其他|不是这个|上一个",
    re.IGNORECASE,
)
_YES: Final = re.compile(
    r"^\s*(y|yes|yeah|yep|yup|sure|ok|okay|please do|go ahead|do it|correct|right|confirm)\b"
    r"|^\s*(是|是的|好|好的|对|确认|可以|行)",
    re.IGNORECASE,
)
_NO: Final = re.compile(
    r"^\s*(n|no|nope|nah|don'?t|do not|not|never mind|cancel that|stop)\b"
    r"|^\s*(不|否|不是|不要|不用|算了|别)",
    re.IGNORECASE,
)


def detect_language(text: str, default: str = "en") -> str:
    """'zh' when a message has Chinese characters, 'en' when it has English words besides
    e-mail addresses and order numbers, else `default` (the conversation's language so far)."""
    if _CJK.search(text):
        return "zh"
    words = _ORDER.sub(" ", _EMAIL.sub(" ", text))
    return "en" if _LATIN_WORD.search(words) else default


def emails(text: str) -> list[str]:
    return [e.lower().rstrip(".") for e in _EMAIL.findall(text)]


def order_numbers(text: str) -> list[str]:
    """Tokens that look like an order number (a short prefix and at least three digits), in
    order; e-mail addresses are left out. Whether one exists is for the repository to say."""
    without_emails = _EMAIL.sub(" ", text)
    return list(_ORDER.findall(without_emails))


def without_details(text: str) -> str:
    """The message without its e-mail addresses and order numbers: the intent model reads the
    words around them (measured: replacing them by "order number" pulled every message with
    one towards order status)."""
    return _ORDER.sub(" ", _EMAIL.sub(" ", text)).strip()


def only_details(text: str) -> bool:
    """The message is nothing but e-mail addresses and order numbers (an answer to a question)."""
    rest = _ORDER.sub(" ", _EMAIL.sub(" ", text))
    return bool(emails(text) or order_numbers(text)) and not (
        _LATIN_WORD.search(rest) or _CJK.search(rest)
    )


def asks_stock(text: str) -> bool:
    """The message asks whether something is in stock ("还有库存吗", "back in stock?")."""
    return _STOCK.search(text) is not None


def wants_human(text: str) -> bool:
    return _HUMAN.search(text) is not None


def means_other(text: str) -> bool:
    """ "No, the other order": the customer corrects which one."""
    return _OTHER.search(text) is not None


def means_yes(text: str) -> bool:
    return _YES.search(text) is not None and not means_no(text)


def means_no(text: str) -> bool:
    return _NO.search(text) is not None
