"""Acknowledged means committed: a server killed hard in the middle of a load of events loses
none that it answered for, on the embedded store and on PostgreSQL, and serves again after a
restart."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shopmind.data.importer import import_frames
from shopmind.data.store import Store
from tests.reliability.test_bad_import import PRODUCTS

KEY = {"X-API-Key": "w"}
BATCH = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`shopmind serve` in its own process, on a store URL and a free port."""

    def __init__(
        self, store_url: str, data_dir: Path, *options: str, log: Path | None = None
    ) -> None:
        """`log`: a file for the server's output and logs (default: discarded)."""
        self.port = free_port()
        env = os.environ | {
            "SHOPMIND_DATABASE_URL": store_url,
            "SHOPMIND_DATA_DIR": str(data_dir),
            "SHOPMIND_API_KEYS": "write:w",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shopmind", "serve", "--port", str(self.port), *options],
            env=env,
            stdout=subprocess.DEVNULL if log is None else log.open("wb"),
            stderr=subprocess.DEVNULL if log is None else subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(self.port, "GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture
def prepared(store_url: str) -> Iterator[str]:
    store = Store(store_url)
    import_frames(store, {"products": PRODUCTS})
    store.close()
    yield store_url


def request(port: int, method: str, path: str, body: object = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        payload = None if body is None else json.dumps(body)
        headers = KEY | ({"Content-Type": "application/json"} if payload else {})
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def events(ids: list[str]) -> dict[str, object]:
    now = datetime.now(UTC).isoformat()
    return {
        "events": [{"session_id": s, "product_id": "P1", "ts": now, "type": "view"} for s in ids]
    }


def assert_all_stored(store_url: str, acknowledged: list[str]) -> None:
    """Every acknowledged event (by its session id) is in the store."""
    store = Store(store_url)
    try:
        stored = set(store.read("events", ["session_id"])["session_id"])
    finally:
        store.close()
    lost = [s for s in acknowledged if s not in stored]
    assert not lost, f"{len(lost)} acknowledged events were lost, e.g. {lost[:5]}"


def load(port: int, acknowledged: list[str], stop: threading.Event) -> None:
    """Post batches of events, each marked by its own session id, until `stop` or the server
    dies; the ids of the batches the server acknowledged go to `acknowledged`."""
    n = 0
    while not stop.is_set():
        ids = [f"s{n}-{i}" for i in range(BATCH)]
        try:
            status, _ = request(port, "POST", "/events", events(ids))
        except OSError:
            return
        if 200 <= status < 300:
            acknowledged.extend(ids)
        n += 1


def test_a_hard_kill_loses_no_acknowledged_event(prepared: str, tmp_path: Path) -> None:
    server = Server(prepared, tmp_path)
    acknowledged: list[str] = []
    stop = threading.Event()
    loader = threading.Thread(target=load, args=(server.port, acknowledged, stop))
    try:
        loader.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 20 * BATCH and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # SIGKILL: no shutdown handler runs
        loader.join(timeout=10)
    finally:
        stop.set()
        server.stop()
    assert len(acknowledged) >= 20 * BATCH, "the load did not get going"
    assert_all_stored(prepared, acknowledged)
    # and the service comes back on the same store
    again = Server(prepared, tmp_path)
    try:
        assert request(again.port, "POST", "/events", events(["after"]))[0] == 201
    finally:
        again.stop()


def test_several_workers_share_one_store(prepared: str, tmp_path: Path) -> None:
    server = Server(prepared, tmp_path, "--workers", "2")
    try:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        assert len(children.read_text().split()) >= 2, "uvicorn did not start two workers"
        ids = [f"w{i}" for i in range(40)]
        for i in range(0, len(ids), 4):  # the keys reach every worker
            assert request(server.port, "POST", "/events", events(ids[i : i + 4]))[0] == 201
    finally:
        server.stop()
    assert_all_stored(prepared, ids)
