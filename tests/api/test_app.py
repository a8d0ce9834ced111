"""The service skeleton: health, version, docs, auth, error shape and size limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.api.auth import KeyRing, Scope, digest
from shopmind.config import Settings
from shopmind.data.importer import import_frames
from shopmind.data.schema import SCHEMA_VERSION
from shopmind.data.store import Store
from shopmind.errors import ConfigError

WRITE = {"X-API-Key": "writer-secret"}
ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    yield opened
    opened.close()


@pytest.fixture
def client(tmp_path: Path, store: Store) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path,
        api_keys=f"write:writer-secret,admin:sha256:{digest('admin-secret')}",
        max_request_bytes=4096,
    )
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def assert_error(response: object, status: int, code: str) -> dict[str, object]:
    from httpx2 import Response

    assert isinstance(response, Response)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    error: dict[str, object] = body["error"]
    return error


def test_health_version_and_docs(client: TestClient) -> None:
    assert client.get("/health").json() == {
        "status": "ok",
        "store": "ok",
        "schema_version": SCHEMA_VERSION,
    }
    version = client.get("/version").json()
    assert version["shopmind"] == "0.1.0"
    assert client.get("/openapi.json").json()["info"]["title"] == "shopmind"
    assert client.get("/docs").status_code == 200


def test_health_is_503_when_the_store_is_down(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "ping", lambda: False)
    assert_error(client.get("/health"), 503, "unavailable")


def test_writes_need_a_key(client: TestClient) -> None:
    csv = "faq_id,question,answer\nf1,Q?,A.\n"
    assert_error(client.post("/tables/faqs/import", content=csv), 401, "unauthenticated")
    assert_error(
        client.post("/tables/faqs/import", content=csv, headers={"X-API-Key": "guess"}),
        401,
        "unauthenticated",
    )
    ok = client.post("/tables/faqs/import", content=csv, headers=WRITE)
    assert ok.status_code == 200
    assert ok.json()["counts"]["faqs"] == 1


def test_admin_needs_an_admin_key(client: TestClient) -> None:
    assert_error(client.get("/tables"), 401, "unauthenticated")
    assert_error(client.get("/tables", headers=WRITE), 403, "forbidden")
    assert client.get("/tables", headers=ADMIN).json()["faqs"] == 0


def test_admin_key_may_write(client: TestClient) -> None:
    csv = "faq_id,question,answer\nf1,Q?,A.\n"
    assert client.post("/tables/faqs/import", content=csv, headers=ADMIN).status_code == 200


def test_invalid_import_lists_problems_and_writes_nothing(client: TestClient, store: Store) -> None:
    csv = "product_id,title,price\np1,Boot,10\np2,Hat,-1\n"
    error = assert_error(
        client.post("/tables/products/import", content=csv, headers=WRITE), 422, "invalid_data"
    )
    assert error["details"] == [
        {
            "source": "products.csv",
            "row": 2,
            "column": "price",
            "message": "'-1' is negative; it must be 0 or more",
        }
    ]
    assert store.counts()["products"] == 0


def test_import_parquet_and_unknown_table_and_type(client: TestClient) -> None:
    import io

    buffer = io.BytesIO()
    pd.DataFrame({"faq_id": ["f1"], "question": ["Q"], "answer": ["A"]}).to_parquet(buffer)
    parquet = client.post(
        "/tables/faqs/import",
        content=buffer.getvalue(),
        headers={**WRITE, "content-type": "application/vnd.apache.parquet"},
    )
    assert parquet.status_code == 200
    assert_error(
        client.post("/tables/widgets/import", content="a\n1\n", headers=WRITE), 404, "not_found"
    )
    assert_error(
        client.post(
            "/tables/faqs/import",
            content="{}",
            headers={**WRITE, "content-type": "application/json"},
        ),
        422,
        "invalid_data",
    )


def test_events_are_validated_and_committed(
    client: TestClient, store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    import_frames(store, {"products": tiny_shop["products"]})
    event = {
        "customer_id": "new-visitor",
        "product_id": "p1",
        "ts": "2024-05-01T10:00:00Z",
        "type": "view",
    }
    created = client.post(
        "/events", json={"events": [event, {**event, "type": "cart"}]}, headers=WRITE
    )
    assert created.status_code == 201
    assert created.json() == {"accepted": 2}
    assert store.read("events").type.tolist() == ["view", "cart"]
    bad = client.post("/events", json={"events": [{**event, "product_id": "p404"}]}, headers=WRITE)
    error = assert_error(bad, 422, "invalid_data")
    assert "p404" in str(error["details"])
    assert store.counts()["events"] == 2


def test_malformed_requests_get_the_error_shape(client: TestClient) -> None:
    assert_error(
        client.post(
            "/events", content="{not json", headers={**WRITE, "content-type": "application/json"}
        ),
        422,
        "invalid_request",
    )
    assert_error(client.post("/events", json={"events": []}, headers=WRITE), 422, "invalid_request")
    assert_error(client.get("/no-such-page"), 404, "not_found")
    assert_error(client.delete("/health"), 405, "method_not_allowed")


def test_request_size_limit(client: TestClient) -> None:
    big = "x" * 5000
    assert_error(
        client.post("/tables/faqs/import", content=big, headers=WRITE), 413, "payload_too_large"
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(10):
            yield b"y" * 1000

    assert_error(
        client.post("/tables/faqs/import", content=chunks(), headers=WRITE),
        413,
        "payload_too_large",
    )


def test_unexpected_errors_do_not_leak(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode() -> dict[str, int]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(store, "counts", explode)
    local = TestClient(client.app, raise_server_exceptions=False)
    error = assert_error(local.get("/tables", headers=ADMIN), 500, "internal_error")
    assert "secret" not in str(error["message"])


def test_keyring_parsing() -> None:
    ring = KeyRing.parse(["write:abc", f"admin:sha256:{digest('xyz').upper()}"])
    assert ring.scope_of("abc") is Scope.WRITE
    assert ring.scope_of("xyz") is Scope.ADMIN
    assert ring.scope_of("nope") is None
    with pytest.raises(ConfigError, match="is not 'write:SECRET'"):
        KeyRing.parse(["root:abc"])
    with pytest.raises(ConfigError):
        KeyRing.parse(["write:"])


def test_without_keys_nothing_can_write(tmp_path: Path, store: Store) -> None:
    app = create_app(Settings(data_dir=tmp_path, api_keys=""), store=store)
    with TestClient(app) as no_keys:
        assert_error(
            no_keys.post("/tables/faqs/import", content="a", headers=WRITE), 401, "unauthenticated"
        )
