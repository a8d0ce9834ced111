"""service-load: the whole service under mixed traffic, on loopback, for a bounded time.

The demo shop (sample shop, default size) is imported, every engine is trained, and
`shopmind serve` runs on the embedded store in one uvicorn process, then in two
(`shopmind serve --workers 2`). An open-loop client
(benchmarks/_load.py) sends requests at a fixed rate, each due at its own moment, with a write
key: personal recommendations, similar items, customer profiles, batches of live events (each
committed before the answer) and assistant messages, in the mix a shop's pages would make.
Latency counts from the due time; the server's resident memory is sampled every second.

The peer is the same stack without shopmind: FastAPI on as many uvicorn processes, answering
the same routes with fixed bodies (events are not stored): the ceiling of the framework on this
machine, so the ratio is what shopmind's own work costs. The peer runs as `uvicorn --workers N`
does out of the box, whose shared listener leaves Nagle's algorithm on (Kludex/uvicorn#3149);
`shopmind serve` binds it with TCP_NODELAY, so with two workers part of the gap is that fix.
"""

from __future__ import annotations

import os
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from _load import Call, measure, uvicorn

RATE = 300  # requests per second
SECONDS = 60
WARMUP = 5
SEED = 42
WORKERS = (1, 2)
KEY = "sm_load_benchmark_key"
MIX = {"recommend": 40, "similar": 15, "profile": 15, "events": 20, "assistant": 10}
"""Percent of the requests per kind."""
QUESTIONS = (
    "where is my order?",
    "how long does shipping take?",
    "can I return a jacket I bought last week?",
    "do you have running shoes in stock?",
    "I want to talk to a person",
    "what payment methods do you accept?",
)

_PEER_APP = textwrap.dedent(
    """
    from typing import Any
    from fastapi import FastAPI

    app = FastAPI()
    ITEMS = [{"product_id": f"P{i:05d}", "title": "a product", "score": 1.0 / (i + 1),
              "reason": "popular"} for i in range(10)]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/recommendations/{customer_id}")
    def recommend(customer_id: str) -> dict[str, Any]:
        return {"customer_id": customer_id, "items": ITEMS, "strategy": "personal"}

    @app.get("/products/{product_id}/similar")
    def similar(product_id: str) -> dict[str, Any]:
        return {"product_id": product_id, "items": ITEMS}

    @app.get("/customers/{customer_id}/profile")
    def profile(customer_id: str) -> dict[str, Any]:
        return {"customer_id": customer_id, "segment": "loyal", "clv": 120.0}

    @app.post("/events", status_code=201)
    def events(body: dict[str, Any]) -> dict[str, int]:
        return {"accepted": len(body["events"])}

    @app.post("/assistant/messages")
    def message(body: dict[str, Any]) -> dict[str, Any]:
        return {"reply": "Here is what I found.", "intent": "faq"}
    """
)


def _calls(customers: list[str], products: list[str], n: int = 6000) -> list[Call]:
    rng = np.random.default_rng(SEED)
    kinds = rng.choice(list(MIX), size=n, p=np.array(list(MIX.values())) / 100.0)
    now = datetime.now(UTC).isoformat()
    calls = []
    for i, kind in enumerate(kinds):
        customer, product = str(rng.choice(customers)), str(rng.choice(products))
        if kind == "recommend":
            calls.append(Call("GET", f"/recommendations/{customer}"))
        elif kind == "similar":
            calls.append(Call("GET", f"/products/{product}/similar"))
        elif kind == "profile":
            calls.append(Call("GET", f"/customers/{customer}/profile"))
        elif kind == "events":
            event = {"customer_id": customer, "product_id": product, "ts": now, "type": "view"}
            calls.append(Call("POST", "/events", {"events": [event, {**event, "type": "click"}]}))
        else:
            # every message differs, as real ones do: no answer comes from a cache
            text = f"{QUESTIONS[i % len(QUESTIONS)]} ({rng.integers(10**5, 10**6)})"
            body = {"text": text, "conversation_id": f"load-conv-{i:06d}"}
            calls.append(Call("POST", "/assistant/messages", body))
    return calls


def _memory(result: dict[str, Any]) -> dict[str, Any]:
    """Start, end and slope of the sampled memory (the first 10 s are left out of the slope:
    caches fill then)."""
    samples = result.pop("memory", [])
    if len(samples) < 20:
        return {}
    seconds, mb = np.array(samples).T
    later = seconds >= 10
    slope = float(np.polyfit(seconds[later], mb[later], 1)[0]) * 60.0
    return {
        "rss_start_mb": round(float(mb[0]), 1),
        "rss_end_mb": round(float(mb[-1]), 1),
        "rss_slope_mb_per_min": round(slope, 2),
    }


def run() -> dict[str, Any]:
    from shopmind import engine
    from shopmind.data import sample
    from shopmind.data.importer import import_frames
    from shopmind.data.snapshot import Shop
    from shopmind.data.store import Store, sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        store = Store(sqlite_url(data / "shopmind.db"))
        import_frames(store, sample.generate(SEED).tables)
        shop = Shop.from_store(store)
        engine.save(engine.train(shop), shop, data / "artifacts")
        store.close()
        customers = shop.purchases().customer_id.drop_duplicates().astype(str).tolist()
        products = [str(p) for p in shop.product_ids]
        del shop
        calls = _calls(customers, products)
        env = {
            **os.environ,
            "SHOPMIND_DATA_DIR": str(data),
            "SHOPMIND_API_KEYS": f"write:{KEY}",
        }
        options: dict[str, Any] = {
            "rate": RATE,
            "seconds": SECONDS,
            "warmup": WARMUP,
            "headers": {"X-API-Key": KEY},
        }
        (data / "peer_app.py").write_text(_PEER_APP)
        rows = []
        for workers in WORKERS:
            scale = ("--workers", str(workers))
            ours = [sys.executable, "-m", "shopmind", "serve", *scale, "--log-level", "warning"]
            peer = uvicorn("peer_app:app", "--app-dir", folder, *scale)
            for system, kind, command in (
                (f"shopmind serve, {workers} worker(s)", "shopmind", ours),
                (f"FastAPI + uvicorn, fixed answers, {workers} worker(s)", "peer", peer),
            ):
                result = measure(command, env, calls, **options)
                memory = _memory(result)  # takes the samples out of the result
                rows.append({"system": system, "kind": kind, **result, **memory})
    met = all(
        row["errors"] == 0
        and row["achieved_rps"] >= 0.98 * RATE
        and row["p99_ms"] is not None
        and row["p99_ms"] < 50.0
        and row.get("rss_slope_mb_per_min", 0.0) < 5.0
        for row in rows
        if row["kind"] == "shopmind"
    )
    mix = ", ".join(f"{share}% {kind}" for kind, share in MIX.items())
    return {
        "study": "service-load",
        "dataset": f"sample shop, seed {SEED}, default size, every engine trained; "
        f"{len(customers):,} customers and {len(products):,} products asked about",
        "protocol": f"`shopmind serve` and stock uvicorn, with 1 and 2 worker processes, on "
        f"loopback (all "
        f"processes and the client share the 2 cores), open-loop client at {RATE} "
        f"requests/s for {SECONDS} s after {WARMUP} s of warm-up, latency from the due time; "
        f"mix: {mix}; events are two per request, "
        "committed to the embedded SQLite store before the answer; memory is the RSS of the "
        "server's processes sampled each second, its slope fitted after the first 10 s",
        "target": f"issue 10: {SECONDS} s at {RATE} requests/s with no errors, p99 under 50 ms "
        f"and memory not growing (under 5 MB a minute) in both worker set-ups: "
        f"{'met' if met else 'not met'}",
        "results": rows,
    }
