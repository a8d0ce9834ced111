"""recommend-serving: latency of GET /recommendations/{customer_id} under a steady load.

The demo shop (sample shop, default size) is imported, trained and served by uvicorn in its own
process; an open-loop client on loopback sends requests at a fixed rate for a bounded time and
measures each latency from the moment the request was due (so a slow server cannot hide its
queueing). The peer is implicit's ALS `recommend` behind the same FastAPI/uvicorn set-up, asked
for the same customers at the same rate.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from _load import Call, measure, uvicorn

RATE = 200  # requests per second
SECONDS = 20
WARMUP = 3
SEED = 42


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
        calls = [Call("GET", f"/recommendations/{c}") for c in rng.choice(buyers, 2000)]
        env = {**os.environ, "SHOPMIND_DATA_DIR": str(data), "PEER_STORE": store_url}
        options = {"rate": RATE, "seconds": SECONDS, "warmup": WARMUP}
        ours = measure(uvicorn("shopmind.api.app:create_app", "--factory"), env, calls, **options)
        (data / "peer_app.py").write_text(_PEER_APP)
        peer = measure(uvicorn("peer_app:app", "--app-dir", folder), env, calls, **options)
        for result in (ours, peer):
            result.pop("memory", None)
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
