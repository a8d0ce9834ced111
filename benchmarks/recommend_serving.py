"""recommend-serving: latency of GET /recommendations/{customer_id} under a steady load.

The demo shop (sample shop, default size) is imported, trained and served by uvicorn in its own
process; an open-loop client on loopback sends requests at a fixed rate for a bounded time and
measures each latency from the moment the request was due (so a slow server cannot hide its
queueing). The peer is implicit's ALS `recommend` behind the same FastAPI/uvicorn set-up, asked
for the same customers at the same rate.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np

RATE = 200  # requests per second
SECONDS = 20
WARMUP = 3
SEED = 42


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")


async def _load(base: str, paths: list[str], rate: int, seconds: float) -> dict[str, Any]:
    """Open loop: request i is due at start + i / rate, whatever happened before."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10.0) as client:
        start = time.perf_counter() + 0.2

        async def one(i: int) -> None:
            nonlocal errors
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                response = await client.get(paths[i % len(paths)])
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - due)
            else:
                errors += 1

        total = int(rate * seconds)
        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    values = np.array(latencies) * 1000.0
    return {
        "requests": total,
        "errors": errors,
        "achieved_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(values, 50)), 2) if len(values) else None,
        "p95_ms": round(float(np.percentile(values, 95)), 2) if len(values) else None,
        "p99_ms": round(float(np.percentile(values, 99)), 2) if len(values) else None,
    }


_PEER_APP = textwrap.dedent(
    """
    import os
    import numpy as np
    from fastapi import FastAPI
    from threadpoolctl import threadpool_limits
    from implicit.cpu.als import AlternatingLeastSquares
    from shopmind.data.snapshot import Shop
    from shopmind.data.store import Store
    from shopmind.recommend.interactions import interactions

    threadpool_limits(1)
    shop = Shop.from_store(Store(os.environ["PEER_STORE"]))
    matrix = interactions(shop).tocsr().astype(np.float32)
    model = AlternatingLeastSquares(factors=64, iterations=15, random_state=0)
    model.fit(matrix, show_progress=False)
    index = {c: i for i, c in enumerate(shop.customer_ids)}
    products = np.asarray(shop.product_ids)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/recommendations/{customer_id}")
    def recommend(customer_id: str, k: int = 10) -> dict[str, object]:
        row = index[customer_id]
        ids, scores = model.recommend(row, matrix[row], N=k)
        return {"items": [{"product_id": str(products[i]), "score": float(s)}
                          for i, s in zip(ids, scores)]}
    """
)


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait_ready(f"http://127.0.0.1:{port}/health")
    return process


def _uvicorn(app: str, *options: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", app, *options, "--log-level", "warning"]


def _measure(command: list[str], env: dict[str, str], paths: list[str]) -> dict[str, Any]:
    """Serve `command` on a free port, warm it up, then measure it under the load."""
    port = _free_port()
    process = _serve([*command, "--port", str(port)], env, port)
    # The client must not pause to collect the garbage of the set-up (the generated shop).
    gc.collect()
    gc.freeze()
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(_load(base, paths, RATE, WARMUP))
        return asyncio.run(_load(base, paths, RATE, SECONDS))
    finally:
        process.terminate()
        process.wait(timeout=30)


def run() -> dict[str, Any]:
    from shopmind import engine
    from shopmind.data import sample
    from shopmind.data.importer import import_frames
    from shopmind.data.snapshot import Shop
    from shopmind.data.store import Store, sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        store_url = sqlite_url(data / "shopmind.db")
        store = Store(store_url)
        import_frames(store, sample.generate(SEED).tables)
        shop = Shop.from_store(store)
        engine.save(engine.train(shop), shop, data / "artifacts")
        store.close()
        buyers = shop.purchases().customer_id.drop_duplicates().astype(str).tolist()
        del shop
        rng = np.random.default_rng(SEED)
        paths = [f"/recommendations/{c}" for c in rng.choice(buyers, 2000)]
        env = {**os.environ, "SHOPMIND_DATA_DIR": str(data), "PEER_STORE": store_url}
        ours = _measure(_uvicorn("shopmind.api.app:create_app", "--factory"), env, paths)
        (data / "peer_app.py").write_text(_PEER_APP)
        peer = _measure(_uvicorn("peer_app:app", "--app-dir", folder), env, paths)
    target_met = ours["errors"] == 0 and ours["p99_ms"] is not None and ours["p99_ms"] <= 20.0
    return {
        "study": "recommend-serving",
        "dataset": f"sample shop, seed {SEED}, default size; {len(buyers):,} customers asked",
        "protocol": f"one uvicorn worker per system on loopback, open-loop client at {RATE} "
        f"requests/s for {SECONDS} s after {WARMUP} s of warm-up, latency from the due time, "
        "2 cores shared by server and client; shopmind answers with its served model, rules "
        "and a store look-up of live events; the peer answers with implicit ALS only",
        "target": f"p99 <= 20 ms at {RATE} requests/s with no errors: "
        f"{'met' if target_met else 'not met'}",
        "results": [
            {"system": "shopmind:/recommendations", "kind": "shopmind", **ours},
            {"system": "implicit:als behind FastAPI", "kind": "peer", **peer},
        ],
    }
