"""The assistant's intents and the labelled examples it learns them from.

The project ships a default set in English and Chinese (`data/intent_examples.csv`). A shop adds
its own in a CSV with the columns `text` and `intent` (and optionally `language`); its examples
come on top of the defaults, and may introduce new intents.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

import pandas as pd

from shopmind.errors import DataError, Issue

__all__ = [
    "INTENTS",
    "OUT_OF_SCOPE",
    "default_examples",
    "read_examples",
    "training_examples",
]

OUT_OF_SCOPE: Final = "out_of_scope"

INTENTS: Final[dict[str, str]] = {
    "greeting": "hello, hi, good morning",
    "thanks": "thank you, that helped",
    "goodbye": "bye, that's all",
    "affirm": "yes, correct, please do",
    "deny": "no, not that one, don't",
    "order_status": "where is my order, tracking, when will it arrive",
    "cancel_order": "cancel an order",
    "change_address": "change the delivery address of an order",
    "return_item": "send something back, return label, can I return it",
    "refund_status": "where is my refund, when do I get my money back",
    "delivery_options": "delivery times and costs, countries, express shipping",
    "payment_problem": "payment failed, payment methods, charged twice",
    "product_search": "looking for a kind of product",
    "product_question": "a question about a product: size, material, compatibility",
    "stock_check": "is a product in stock or back soon",
    "recommendation": "what would you recommend for me",
    "coupon": "coupon and discount codes",
    "account": "sign in, password, create or delete an account, e-mail address",
    "complaint": "something went wrong and the customer is unhappy",
    "human_agent": "talk to a person",
    OUT_OF_SCOPE: "anything the shop does not handle: weather, jokes, other companies",
}
"""Intent -> what it covers. The dialogue knows how to act on each of these."""

_COLUMNS: Final = ("text", "intent")


def default_examples() -> pd.DataFrame:
    """The shipped examples: columns text, intent, language ('en' or 'zh')."""
    source = resources.files("shopmind.assistant").joinpath("data", "intent_examples.csv")
    with resources.as_file(source) as path:
        return read_examples(path)


def read_examples(path: Path | str) -> pd.DataFrame:
    """A shop's labelled examples: a CSV with text and intent (language optional, default 'en').
    Raises DataError naming the file, row and column of every problem."""
    path = Path(path)
    if not path.is_file():
        raise DataError([Issue(str(path), "file not found")])
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError([Issue(path.name, f"not a readable UTF-8 CSV: {exc}")]) from None
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        found = ", ".join(frame.columns) or "none"
        raise DataError(
            [Issue(path.name, f"missing columns {missing}; found {found}; need text, intent")]
        )
    if "language" not in frame.columns:
        frame["language"] = "en"
    frame = frame[["text", "intent", "language"]].copy()
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    frame["language"] = frame["language"].replace("", "en")
    issues = [
        Issue(path.name, "empty", row=int(i) + 1, column=column)
        for column in _COLUMNS
        for i in frame.index[frame[column] == ""]
    ]
    if issues:
        raise DataError(issues[:20], more=max(0, len(issues) - 20))
    if frame.empty:
        raise DataError([Issue(path.name, "no examples")])
    return frame.reset_index(drop=True)


def training_examples(shop_examples: pd.DataFrame | None = None) -> pd.DataFrame:
    """The defaults plus the shop's own examples, without repeated (text, intent) pairs."""
    frames = [default_examples()]
    if shop_examples is not None:
        frames.append(shop_examples[["text", "intent", "language"]])
    combined = pd.concat(frames, ignore_index=True)
    return combined.drop_duplicates(["text", "intent"]).reset_index(drop=True)
