"""PostgreSQL restarted in the middle of a load: meanwhile the service answers 503 with a clear
message, afterwards it recovers by itself, and no acknowledged event is lost.

The test runs its own PostgreSQL cluster (Debian's server binaries, as the postgres user) so
that stopping it disturbs nothing else; it skips where there are none."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopmind.data.importer import import_frames
from shopmind.data.store import Store
from tests.reliability.test_bad_import import PRODUCTS
from tests.reliability.test_durability import (
    BATCH,
    Server,
    assert_all_stored,
    events,
    free_port,
    request,
)

BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


class Cluster:
    """A throw-away PostgreSQL cluster on a free port, run as the postgres user."""

    def __init__(self) -> None:
        if not BINARIES or os.geteuid() != 0 or shutil.which("runuser") is None:
            pytest.skip("needs root and Debian's PostgreSQL server binaries for its own cluster")
        self.bin = BINARIES[-1]
        self.folder = Path(tempfile.mkdtemp(prefix="shopmind-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()

    def _as_postgres(self, tool: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / tool), *args],
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = str(self.folder / "log")
        self._as_postgres("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    running = Cluster()
    try:
        yield running
    finally:
        running.remove()


def test_the_service_rides_out_a_database_restart(cluster: Cluster, tmp_path: Path) -> None:
    store = Store(cluster.url)
    import_frames(store, {"products": PRODUCTS})
    store.close()
    server = Server(cluster.url, tmp_path)
    acknowledged: list[str] = []
    answers: list[tuple[int, bytes]] = []
    stop = threading.Event()

    def load() -> None:
        n = 0
        while not stop.is_set():
            ids = [f"r{n}-{i}" for i in range(BATCH)]
            try:
                status, body = request(server.port, "POST", "/events", events(ids))
            except OSError as error:  # a timeout: the service hung instead of answering
                status, body = 0, str(error).encode()
            answers.append((status, body))
            if status == 201:
                acknowledged.extend(ids)
            n += 1
            time.sleep(0.01)

    def wait_for(condition: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            if eval(condition, {}, {"acknowledged": acknowledged, "answers": answers}):
                return
            time.sleep(0.05)
        seen = sorted({status for status, _ in answers})
        raise AssertionError(f"timed out waiting for {condition}; answers seen: {seen}")

    loader = threading.Thread(target=load)
    try:
        loader.start()
        wait_for("len(acknowledged) >= 5 * 20", time.monotonic() + 30)
        cluster.stop()
        down_from = len(answers)
        wait_for(f"sum(s == 503 for s, _ in answers[{down_from}:]) >= 3", time.monotonic() + 30)
        cluster.start()
        up_from = len(answers)
        wait_for(f"any(s == 201 for s, _ in answers[{up_from}:])", time.monotonic() + 60)
        health = request(server.port, "GET", "/health")
    finally:
        stop.set()
        loader.join(timeout=20)
        server.stop()
    statuses = {status for status, _ in answers}
    assert statuses <= {201, 503}, f"unexpected answers: {statuses}"
    outage = [json.loads(body) for status, body in answers if status == 503]
    message = outage[0]["error"]["message"]
    assert outage[0]["error"]["code"] == "store_unavailable" and "store" in message, message
    assert health[0] == 200
    assert_all_stored(cluster.url, acknowledged)
