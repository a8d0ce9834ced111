"""Searching files for a person: text may sit in them as UTF-8 (Python and Arrow strings),
UTF-16 or UTF-32 (numpy's fixed-width strings), at any byte offset."""

from __future__ import annotations

import re
from collections.abc import Iterable

ENCODINGS = (("utf-8", 1), ("utf-16-le", 2), ("utf-32-le", 4))


def forms(value: str) -> set[bytes]:
    """The bytes `value` is stored as, ASCII-lowercased (search lowercased blobs with them)."""
    return {value.encode(encoding).lower() for encoding, _ in ENCODINGS}


def texts(blob: bytes) -> list[str]:
    """`blob` read as text in every encoding, at every alignment."""
    return [
        blob[offset:].decode(encoding, "replace")
        for encoding, width in ENCODINGS
        for offset in range(width)
    ]


def whole_word(value: str) -> re.Pattern[str]:
    """`value` as a whole word: order zq-order-999 does not mention order zq-order-9."""
    return re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])", re.IGNORECASE)


def mentioned(values: Iterable[str], documents: Iterable[str]) -> list[str]:
    """Those of `values` that some document mentions as a whole word."""
    documents = list(documents)
    return [v for v in values if any(whole_word(v).search(d) for d in documents)]
