"""No secret reaches the logs: API keys (valid or not, in either header), the assistant's
signing secret and customer tokens stay out of every log record the service writes while it
answers, refuses and fails."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from tests.api.trained import trained_shop

WRITE_KEY = "sm_write_secret_0123456789"
WRONG_KEY = "sm_not_a_key_9876543210"
SIGNING = "signing-secret-abcdef"


def test_secrets_never_reach_the_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings, shop, _ = trained_shop(
        tmp_path,
        ["recommend", "assistant"],
        seed=4,
        api_keys=f"write:{WRITE_KEY}",
        n_customers=80,
        n_products=30,
        days=120,
    )
    settings = settings.model_copy(update={"assistant_secret": SIGNING})
    caplog.set_level(logging.DEBUG)
    customer = str(shop.customer_ids[0])
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        good = {"X-API-Key": WRITE_KEY}
        token = client.post("/assistant/tokens", json={"customer_id": customer}, headers=good)
        assert token.status_code == 200
        secret_token = token.json()["customer_token"]
        for headers in (good, {"X-API-Key": WRONG_KEY}, {"Authorization": f"Bearer {WRONG_KEY}"}):
            client.post("/events", json={"events": []}, headers=headers)
            client.post("/admin/reload", headers=headers)
            client.get(f"/recommendations/{customer}", headers=headers)
            client.get("/dashboard/overview", headers=headers)
        message = {
            "conversation_id": "secrets-test-1",
            "text": "where is my order?",
            "customer_token": secret_token,
        }
        assert client.post("/assistant/messages", json=message).status_code == 200
        forged = {**message, "customer_token": f"{secret_token[:-4]}AAAA"}
        client.post("/assistant/messages", json=forged)
    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert caplog.records, "the service logged nothing: the test would prove nothing"
    for secret in (WRITE_KEY, WRONG_KEY, SIGNING, secret_token):
        assert secret not in logged, f"a secret reached the logs: {secret[:6]}..."
