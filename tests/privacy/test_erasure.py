"""Minimisation and erasure, proved by searching.

No personal value of any customer reaches a trained artifact. After `DELETE /customers/{id}`,
no endpoint, no file (the store's own files, every artifact version, batch tables) and no log
record holds the customer's id, e-mail, phone, address or order numbers, on SQLite and on
PostgreSQL. Export first shows that the same places did hold them."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from shopmind import engine
from shopmind.api import create_app
from shopmind.artifacts import Artifacts
from shopmind.config import Settings
from shopmind.data import sample
from shopmind.data.importer import import_frames
from shopmind.data.schema import TABLES
from shopmind.data.snapshot import Shop
from shopmind.data.store import CONVERSATIONS, TICKETS, Store, sqlite_url
from tests.privacy.search import forms, mentioned, texts

ID = "zq-erase-7f3a"
EMAIL = "erase.me.7f3a@example.org"
PHONE = "+44 7700 900417"
ADDRESS = "17 Quillfeather Lane, Zedborough"
WRITE, ADMIN = {"X-API-Key": "w"}, {"X-API-Key": "a"}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """A sample shop whose most active customer (who also got campaign offers) carries ids
    that occur nowhere else, so a search for them cannot match anything by chance."""
    tables = {
        k: v.copy() for k, v in sample.generate(11, n_customers=80, n_products=30).tables.items()
    }
    campaigned = set(tables["campaigns"].customer_id)
    busiest = tables["orders"].customer_id.value_counts()
    old = next(c for c in busiest.index if c in campaigned)
    for name in ("customers", "orders", "events", "campaigns"):
        frame = tables[name]
        frame.loc[frame.customer_id == old, "customer_id"] = ID
    person = tables["customers"].customer_id == ID
    tables["customers"].loc[person, ["email", "phone", "address"]] = [EMAIL, PHONE, ADDRESS]
    theirs = tables["orders"].order_id[tables["orders"].customer_id == ID]
    renamed = {o: f"zq-order-{i}" for i, o in enumerate(theirs)}
    for name in ("orders", "order_lines"):
        tables[name]["order_id"] = tables[name]["order_id"].replace(renamed)
    return tables


@pytest.fixture(scope="module")
def trained(tables: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every engine trained once (on SQLite); each test copies the artifacts."""
    folder = tmp_path_factory.mktemp("trained")
    store = Store(sqlite_url(folder / "train.db"))
    try:
        import_frames(store, tables)
        shop = Shop.from_store(store)
        engine.save(engine.train(shop), shop, folder / "artifacts")
    finally:
        store.close()
    return folder / "artifacts"


@pytest.fixture
def client(
    store_url: str, tables: dict[str, pd.DataFrame], trained: Path, tmp_path: Path
) -> Iterator[TestClient]:
    store = Store(store_url)
    import_frames(store, tables)
    store.close()
    shutil.copytree(trained, tmp_path / "artifacts")
    # Batch tables as a Spark run writes them: a folder of part files.
    batch = tmp_path / "artifacts" / "batch" / "recommendations.parquet"
    batch.mkdir(parents=True)
    pd.DataFrame(
        {"customer_id": [ID, ID, "C00001"], "rank": [1, 2, 1], "product_id": ["P1", "P2", "P1"]}
    ).to_parquet(batch / "part-00000.parquet")
    settings = Settings(
        data_dir=tmp_path,
        database_url=store_url,
        api_keys="write:w,admin:a",
        assistant_secret="privacy-test-secret",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_no_personal_value_reaches_an_artifact(
    tables: dict[str, pd.DataFrame], trained: Path
) -> None:
    # Every engine was trained on customers with names, e-mails, phones and addresses; every
    # file of the artifacts is searched byte by byte for each of them, in each text encoding.
    files = [p for p in sorted(trained.rglob("*")) if p.is_file()]
    assert {f"{name}.pkl" for name in engine.ENGINES} <= {p.name for p in files}
    blobs = {str(p.relative_to(trained)): p.read_bytes().lower() for p in files}
    leaks = []
    for name, spec in TABLES.items():
        for column in spec.personal_columns:
            values = tables[name][column].dropna().unique().tolist() if name in tables else []
            assert values or name != "customers", f"no {name}.{column}: the test proves nothing"
            leaks += [
                (column, value, file)
                for value in values
                for file, blob in blobs.items()
                if any(form in blob for form in forms(value))
            ]
    assert not leaks, f"personal data in the artifacts: {leaks[:10]}"
    # The control: the same search finds the customer ids that the models do hold.
    ids = tables["customers"].customer_id
    assert any(any(f in b for f in forms(c)) for c in ids for b in blobs.values())


def say(client: TestClient, conversation: str, text: str, **extra: str) -> dict[str, Any]:
    body = {"conversation_id": conversation, "text": text, **extra}
    response = client.post("/assistant/messages", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_export_then_erase_leaves_no_trace(
    client: TestClient,
    store_url: str,
    tables: dict[str, pd.DataFrame],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    orders = tables["orders"]
    order_ids = sorted(orders.order_id[orders.customer_id == ID])
    traces = [ID, EMAIL, PHONE, ADDRESS, *order_ids]
    other = str(orders.customer_id[orders.customer_id != ID].iloc[0])

    # The customer is busy: live events, recommendations, the assistant signed in and as a
    # visitor giving their order number and e-mail, and a hand-off to a person.
    live = [
        {
            "customer_id": ID,
            "session_id": "zq-session",
            "ts": "2030-01-01T10:00:00Z",
            "type": "view",
            "product_id": str(tables["products"].product_id[0]),
        }
    ]
    assert client.post("/events", json={"events": live}, headers=WRITE).status_code == 201
    assert client.get(f"/recommendations/{ID}", headers=WRITE).json()["strategy"] == "personal"
    assert client.get(f"/customers/{ID}/profile", headers=WRITE).status_code == 200
    token = client.post("/assistant/tokens", json={"customer_id": ID}, headers=WRITE).json()
    say(client, "conv-signed-in", "where is my order?", customer_token=token["customer_token"])
    say(client, "conv-visitor", f"where is my order {order_ids[0]}?")
    say(client, "conv-visitor", f"my email is {EMAIL}, call me on {PHONE}")
    assert say(client, "conv-visitor", "I want to talk to a human")["ticket_id"]
    bystander = say(client, "conv-bystander", "where is my order zq-order-999?")  # not theirs

    exported = client.get(f"/customers/{ID}/data", headers=ADMIN)
    assert exported.status_code == 200
    held = exported.json()
    rows = held["tables"]
    assert [r["email"] for r in rows["customers"]] == [EMAIL]
    assert sorted(r["order_id"] for r in rows["orders"]) == order_ids
    lines = tables["order_lines"]
    assert len(rows["order_lines"]) == lines.order_id.isin(order_ids).sum()
    events = tables["events"]
    assert len(rows["events"]) == (events.customer_id == ID).sum() + 1
    assert len(rows["campaigns"]) == (tables["campaigns"].customer_id == ID).sum() > 0
    assert len(rows[CONVERSATIONS]) == 2  # signed in, and the visitor who gave the e-mail
    assert len(rows[TICKETS]) == 1
    assert {"recommend", "marketing"} <= set(held["models"])
    assert held["models"]["marketing"]["segment"]["frequency"] == len(order_ids)
    assert client.get(f"/customers/{ID}/data", headers=WRITE).status_code == 403

    erased = client.delete(f"/customers/{ID}", headers=ADMIN)
    assert erased.status_code == 200, erased.text
    assert erased.json()["rows"]["orders"] == len(order_ids)
    assert erased.json()["artifact_versions"] == 1 and erased.json()["batch_rows"] == 2

    # Gone from every answer; served as a stranger; nothing else broken.
    assert client.get(f"/customers/{ID}/data", headers=ADMIN).status_code == 404
    assert client.delete(f"/customers/{ID}", headers=ADMIN).status_code == 404
    assert client.get(f"/customers/{ID}/profile", headers=WRITE).status_code == 404
    assert client.get(f"/customers/{ID}/history", headers=WRITE).status_code == 404
    stranger = client.get(f"/recommendations/{ID}", headers=WRITE).json()
    assert stranger["strategy"] == "trending"
    assert client.get(f"/recommendations/{other}", headers=WRITE).json()["strategy"] == "personal"
    assert client.get(f"/customers/{other}/profile", headers=WRITE).status_code == 200
    answers = [json.dumps(stranger["items"]), *_every_listing(client)]
    assert say(client, "conv-bystander", "hello")["reply"]  # other conversations survive
    _assert_absent(traces, answers, "an API answer")

    # Gone from every file shopmind wrote and from the store's contents.
    _assert_absent(traces, _files(tmp_path, store_url), "a file")
    _assert_absent(traces, _store_contents(store_url), "the store")
    assert Artifacts(tmp_path / "artifacts").current() is not None  # no retrain needed
    # And no log record ever held them, before or after the erasure.
    logged = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    assert logged and bystander
    _assert_absent(traces, logged, "a log record")


def _every_listing(client: TestClient) -> list[str]:
    """The body of every GET endpoint that takes no path parameter, with an admin key."""
    bodies = []
    for path, operations in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        if "get" in operations and "{" not in path:
            bodies.append(client.get(path, headers=ADMIN).text)
    assert len(bodies) > 10
    return bodies


def _files(folder: Path, store_url: str) -> list[str]:
    """Every file under the data folder, and the SQLite store's files, as text."""
    paths = [p for p in folder.rglob("*") if p.is_file()]
    database = sa.make_url(store_url).database
    if store_url.startswith("sqlite") and database:
        paths += [p for p in Path(database).parent.glob(Path(database).name + "*") if p.is_file()]
    assert any(p.suffix == ".pkl" for p in paths)
    return [text for p in paths for text in texts(p.read_bytes())]


def _store_contents(store_url: str) -> list[str]:
    engine_ = sa.create_engine(store_url)
    try:
        with engine_.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return [
                json.dumps(
                    [list(map(str, row)) for row in conn.execute(sa.text(f'SELECT * FROM "{n}"'))]
                )
                for n in names
            ]
    finally:
        engine_.dispose()


def _assert_absent(traces: list[str], documents: list[str], where: str) -> None:
    found = mentioned(traces, documents)
    assert not found, f"{found} still in {where}"
