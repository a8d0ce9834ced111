"""A hand-made shop whose orders cover every status, and an assistant over it.

The intent model is a keyword stub, so these tests pin the dialogue's logic (slots, security,
multi-turn state, hand-off) independently of what the classifier learns; the real classifier
is tested in test_intents.py and end to end in test_engine.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import pytest

from shopmind.assistant.dialogue import Assistant
from shopmind.assistant.intents import IntentPrediction
from shopmind.assistant.repository import InMemoryConversations, InMemoryShop, InMemoryTickets
from shopmind.assistant.retrieval import FaqIndex, ProductSearch

TODAY = datetime(2025, 3, 1, 12, 0)

ORDERS = pd.DataFrame(
    {
        "order_id": ["O000001", "O000002", "O000003", "O000004", "O000005", "O000006"],
        "customer_id": ["C1", "C1", "C2", "C1", "C2", "C1"],
        "ordered_at": pd.to_datetime(
            ["2025-02-10", "2025-02-27", "2025-02-25", "2025-01-02", "2025-02-01", "2024-11-01"]
        ),
        "status": ["delivered", "paid", "shipped", "returned", "cancelled", "delivered"],
        "shipped_at": pd.to_datetime(
            ["2025-02-11", None, "2025-02-26", "2025-01-03", None, "2024-11-02"]
        ),
        "delivered_at": pd.to_datetime(
            ["2025-02-13", None, None, "2025-01-05", None, "2024-11-04"]
        ),
        "tracking_number": ["TRK0000000001", None, "TRK0000000003", "TRK4", None, "TRK6"],
    }
)
LINES = pd.DataFrame(
    {
        "order_id": ["O000001", "O000002", "O000003", "O000004", "O000005", "O000006"],
        "product_id": ["P1", "P2", "P3", "P1", "P4", "P2"],
        "quantity": [1.0, 2.0, 1.0, 1.0, 1.0, 1.0],
        "unit_price": [59.99, 12.5, 24.0, 59.99, 8.0, 12.5],
        "returned_quantity": [0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
    }
)
PRODUCTS = pd.DataFrame(
    {
        "product_id": ["P1", "P2", "P3", "P4"],
        "title": [
            "Stride Trail Running Shoes, 42",
            "Teahouse Organic Green Tea, 100 g",
            "Voltix USB-C Fast Charger, 65 W",
            "Homely Ceramic Coffee Mug",
        ],
        "description": [
            "Light trail running shoes with a grippy sole.",
            "Loose-leaf organic green tea from Japan.",
            "A 65 W USB-C wall charger for phones and laptops.",
            "A 350 ml ceramic mug for coffee or tea.",
        ],
        "category": ["shoes/running", "grocery/coffee-tea", "electronics/chargers", "kitchen"],
        "brand": ["Stride", "Teahouse", "Voltix", "Homely"],
        "price": [59.99, 12.5, 24.0, 8.0],
    }
)
CUSTOMERS = pd.DataFrame(
    {"customer_id": ["C1", "C2"], "email": ["anna@example.com", "ben@example.com"]}
)
INVENTORY = pd.DataFrame(
    {"product_id": ["P1", "P2", "P3", "P4"], "location": "main", "on_hand": [5.0, 0.0, 3.0, 9.0]}
)
FAQS = pd.DataFrame(
    {
        "faq_id": ["ship", "pay", "ret", "zh-ret"],
        "question": [
            "How much does shipping cost?",
            "Which payment methods do you accept?",
            "What is your return policy?",
            "退货政策是什么？",
        ],
        "answer": [
            "Standard shipping is free from 49 EUR, otherwise 4.95 EUR.",
            "We accept cards, PayPal and bank transfer.",
            "Unused items can be returned within 30 days of delivery.",
            "收到商品后30天内可以退货。",
        ],
        "tags": ["shipping", "payment", "returns", "returns"],
        "language": ["en", "en", "en", "zh"],
    }
)

_RULES = (
    ("human", "human_agent"),
    ("broken", "complaint"),
    ("cancel", "cancel_order"),
    ("address", "change_address"),
    ("refund", "refund_status"),
    ("return", "return_item"),
    ("where", "order_status"),
    ("shipping", "delivery_options"),
    ("pay", "payment_problem"),
    ("in stock", "stock_check"),
    ("looking for", "product_search"),
    ("recommend", "recommendation"),
    ("hello", "greeting"),
    ("thank", "thanks"),
    ("bye", "goodbye"),
    ("yes", "affirm"),
    ("no", "deny"),
    ("退货", "return_item"),
    ("订单", "order_status"),
    ("取消", "cancel_order"),
)


class KeywordIntents:
    """The first rule whose keyword the message contains; anything else is out of scope."""

    def detect(self, text: str) -> IntentPrediction:
        lowered = text.lower()
        for keyword, intent in _RULES:
            if keyword in lowered:
                return IntentPrediction(intent, 0.95, (), True)
        return IntentPrediction("out_of_scope", 0.2, (), False)


@pytest.fixture(scope="session")
def faqs() -> FaqIndex:
    return FaqIndex().fit(FAQS)


@pytest.fixture(scope="session")
def products() -> ProductSearch:
    return ProductSearch().fit(PRODUCTS)


def tables() -> dict[str, pd.DataFrame]:
    return {
        "orders": ORDERS,
        "order_lines": LINES,
        "products": PRODUCTS,
        "customers": CUSTOMERS,
        "inventory": INVENTORY,
    }


MakeAssistant = Callable[..., Assistant]


@pytest.fixture
def make_assistant(faqs: FaqIndex, products: ProductSearch) -> MakeAssistant:
    def make(**options: object) -> Assistant:
        return Assistant(
            KeywordIntents(),
            faqs,
            products,
            InMemoryShop(tables()),
            InMemoryTickets(),
            InMemoryConversations(),
            clock=lambda: TODAY,
            **options,  # type: ignore[arg-type]
        )

    return make
