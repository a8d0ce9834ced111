"""Rate limits: a client past its rate gets 429 with Retry-After; a key has its own, larger
budget; an unknown key is no way around the limit; buckets refill with time."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.api.limits import RateLimit
from shopmind.config import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limited(clock: Clock, *, open_per_minute: int, keyed_per_minute: int) -> TestClient:
    inner = FastAPI()

    @inner.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    app = RateLimit(
        inner,
        open_per_minute=open_per_minute,
        keyed_per_minute=keyed_per_minute,
        key_id=lambda secret: "k1" if secret == "good" else None,
        clock=clock,
    )
    return TestClient(app)  # type: ignore[arg-type]


def statuses(
    client: TestClient, n: int, headers: dict[str, str] | None = None, path: str = "/ping"
) -> list[int]:
    return [client.get(path, headers=headers or {}).status_code for _ in range(n)]


def test_a_burst_passes_then_the_client_waits() -> None:
    clock = Clock()
    client = limited(clock, open_per_minute=60, keyed_per_minute=600)
    # 60 a minute: a bucket of ten seconds' worth, 10 requests
    assert statuses(client, 10) == [200] * 10
    refused = client.get("/ping")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert refused.headers["retry-after"] == "1"
    clock.now += 2.0  # one request a second comes back
    assert statuses(client, 3) == [200, 200, 429]


def test_a_known_key_has_its_own_budget_and_an_unknown_one_none() -> None:
    clock = Clock()
    client = limited(clock, open_per_minute=60, keyed_per_minute=600)
    assert statuses(client, 11)[-1] == 429
    assert statuses(client, 3, {"X-API-Key": "made-up"}) == [429] * 3
    assert statuses(client, 100, {"X-API-Key": "good"}) == [200] * 100
    assert statuses(client, 1, {"Authorization": "Bearer good"}) == [429]  # the same key


def test_zero_turns_a_limit_off() -> None:
    client = limited(Clock(), open_per_minute=0, keyed_per_minute=0)
    assert statuses(client, 300) == [200] * 300


def test_the_service_applies_the_configured_limit(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, rate_limit_open=60, api_keys="write:w")
    with TestClient(create_app(settings)) as client:
        answers = statuses(client, 12, path="/health")
        assert answers[:10] == [200] * 10 and answers[-1] == 429
        assert client.get("/health", headers={"X-API-Key": "w"}).status_code == 200
