"""The assistant over HTTP: messages, customer tokens, tickets, and malformed requests."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from tests.api.trained import trained_shop

WRITE = {"X-API-Key": "w"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    trained, _, _ = trained_shop(
        tmp_path_factory.mktemp("shop"),
        ["recommend", "assistant"],
        seed=9,
        api_keys="write:w,admin:a",
        n_customers=200,
        n_products=80,
        days=120,
    )
    return trained.model_copy(update={"assistant_secret": "test-secret"})


@pytest.fixture(scope="module")
def orders(settings: Settings) -> pd.DataFrame:
    store = Store(settings.store_url)
    try:
        frame = store.read("orders").merge(store.read("customers")[["customer_id", "email"]])
    finally:
        store.close()
    return frame


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def say(client: TestClient, text: str, conversation: str = "conv-0001", **extra: str) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/assistant/messages", json={"conversation_id": conversation, "text": text, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_visitor_order_status_needs_number_and_email(
    client: TestClient, orders: pd.DataFrame
) -> None:
    order = orders[orders.status == "shipped"].iloc[0]
    asked = say(client, f"where is my order {order.order_id}?", "conv-visit-1")
    assert {"type": "ask", "for": "email"} in asked["actions"]
    assert order.tracking_number not in asked["reply"]
    answered = say(client, f"it's {order.email}", "conv-visit-1")
    assert order.tracking_number in answered["reply"]
    assert answered["sources"] == [{"type": "order", "id": order.order_id}]
    assert answered["intent"] == "order_status" and answered["model_version"]


def test_signed_in_customer_uses_a_token(client: TestClient, orders: pd.DataFrame) -> None:
    customer = orders.customer_id.value_counts().index[0]
    newest = orders[orders.customer_id == customer].sort_values("ordered_at").order_id.iloc[-1]
    token = client.post("/assistant/tokens", json={"customer_id": customer}, headers=WRITE)
    assert token.status_code == 200
    body = say(
        client, "where is my order?", "conv-token-1", customer_token=token.json()["customer_token"]
    )
    assert {"type": "order", "id": newest} in body["sources"]


def test_another_customers_order_is_not_shown(client: TestClient, orders: pd.DataFrame) -> None:
    mine, theirs = orders.customer_id.unique()[:2]
    other = orders[orders.customer_id == theirs].iloc[0]
    token = client.post("/assistant/tokens", json={"customer_id": mine}, headers=WRITE).json()
    body = say(
        client,
        f"where is order {other.order_id}?",
        "conv-token-2",
        customer_token=token["customer_token"],
    )
    assert not body["sources"] and "couldn't find" in body["reply"]


def test_tokens_need_a_write_key_and_are_checked(client: TestClient) -> None:
    assert client.post("/assistant/tokens", json={"customer_id": "C00001"}).status_code == 401
    response = client.post(
        "/assistant/messages",
        json={"conversation_id": "conv-bad-token", "text": "hi", "customer_token": "forged.1.x"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_customer_token"


def test_handoff_ticket_is_listed_and_resolved(client: TestClient) -> None:
    say(client, "hello", "conv-human-1")
    body = say(client, "I want to talk to a human", "conv-human-1")
    ticket_id = body["ticket_id"]
    assert body["intent"] == "human_agent" and ticket_id
    assert client.get("/assistant/tickets").status_code == 401
    listed = client.get("/assistant/tickets", params={"status": "open"}, headers=WRITE).json()
    ticket = next(t for t in listed if t["ticket_id"] == ticket_id)
    assert [t["text"] for t in ticket["transcript"]][-1] == "I want to talk to a human"
    assert ticket["understood"]["intent"] == "human_agent"
    resolved = client.post(
        f"/assistant/tickets/{ticket_id}/resolve", json={"resolution": "called back"}, headers=WRITE
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert client.get(f"/assistant/tickets/{ticket_id}", headers=WRITE).json()["resolution"] == (
        "called back"
    )
    assert client.get("/assistant/tickets/99999", headers=WRITE).status_code == 404
    huge = 2**64  # larger than any database id: a clear 422, not an overflow
    assert client.get(f"/assistant/tickets/{huge}", headers=WRITE).status_code == 422
    answer = client.post(
        f"/assistant/tickets/{huge}/resolve", json={"resolution": "x"}, headers=WRITE
    )
    assert answer.status_code == 422


def test_ticket_opened_by_staff_carries_the_transcript(client: TestClient) -> None:
    say(client, "how much does shipping cost?", "conv-staff-1")
    response = client.post(
        "/assistant/tickets",
        json={"conversation_id": "conv-staff-1", "reason": "VIP customer"},
        headers=WRITE,
    )
    assert response.status_code == 201
    assert [t["role"] for t in response.json()["transcript"]] == ["customer", "assistant"]


def test_chinese_faq_over_http(client: TestClient) -> None:
    body = say(client, "你们支持哪些付款方式？", "conv-zh-1")
    assert body["language"] == "zh"
    assert body["sources"] and body["sources"][0]["type"] == "faq"
    assert "PayPal" in body["reply"]


def test_recommendations_use_the_recommend_engine(client: TestClient) -> None:
    body = say(client, "what would you recommend for me?", "conv-rec-1")
    assert body["intent"] == "recommendation"
    assert any(a["type"] == "recommend" for a in body["actions"])
    assert body["sources"] and all(s["type"] == "product" for s in body["sources"])


@pytest.mark.parametrize(
    "payload",
    [
        {"conversation_id": "conv-0001"},
        {"conversation_id": "conv-0001", "text": ""},
        {"conversation_id": "conv-0001", "text": "x" * 2001},
        {"conversation_id": "short", "text": "hi"},
        {"conversation_id": "has spaces in it", "text": "hi"},
        {"conversation_id": "conv-0001", "text": 42},
    ],
)
def test_malformed_messages_are_422(client: TestClient, payload: dict) -> None:  # type: ignore[type-arg]
    response = client.post("/assistant/messages", json=payload)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_without_a_trained_assistant_it_is_503(tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = Settings(data_dir=tmp_path_factory.mktemp("empty"))
    with TestClient(create_app(empty)) as fresh:
        response = fresh.post(
            "/assistant/messages", json={"conversation_id": "conv-0001", "text": "hi"}
        )
    assert response.status_code == 503
    assert "shopmind train" in response.json()["error"]["message"]
