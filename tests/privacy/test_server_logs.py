"""The real server's own log (uvicorn's access log included) names no customer: their ids in
request paths are pseudonyms, e-mail addresses are masked."""

from __future__ import annotations

from pathlib import Path

from shopmind.data.importer import import_frames
from shopmind.data.store import Store
from tests.reliability.test_bad_import import PRODUCTS
from tests.reliability.test_durability import Server, request

CUSTOMER = "zq-logged-51c2"


def test_the_access_log_shows_pseudonyms(store_url: str, tmp_path: Path) -> None:
    store = Store(store_url)
    import_frames(store, {"products": PRODUCTS})
    store.close()
    log = tmp_path / "server.log"
    server = Server(store_url, tmp_path / "data", log=log)
    try:
        request(server.port, "GET", f"/recommendations/{CUSTOMER}")
        request(server.port, "GET", f"/customers/{CUSTOMER}/profile")
        request(server.port, "GET", f"/trending?customer_id={CUSTOMER}")
        request(server.port, "GET", "/customers/eva%40example.org/history")
    finally:
        server.stop()
    text = log.read_text()
    assert "GET /recommendations/~" in text and "GET /customers/~" in text  # it did log them
    for personal in (CUSTOMER, "eva@example.org", "eva%40example.org"):
        assert personal not in text
