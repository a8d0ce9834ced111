"""A trained artifact on a sample shop, the way every API test module sets one up."""

from __future__ import annotations

from pathlib import Path

from shopmind import engine
from shopmind.config import Settings
from shopmind.data import sample
from shopmind.data.importer import import_frames
from shopmind.data.snapshot import Shop
from shopmind.data.store import Store


def trained_shop(
    folder: Path,
    engines: list[str] | None,
    *,
    seed: int,
    api_keys: str | None = None,
    **shape: int,
) -> tuple[Settings, Shop, dict[str, engine.Engine]]:
    """Import sample shop `seed` (of `shape`: n_customers, n_products, days) into a store under
    `folder`, train `engines` (None: all) and save them as the current artifact version."""
    settings = Settings(data_dir=folder, api_keys=api_keys or "")
    store = Store(settings.store_url)
    try:
        import_frames(store, sample.generate(seed, **shape).tables)
        shop = Shop.from_store(store)
        fitted = engine.train(shop, engines)
        engine.save(fitted, shop, settings.artifacts_dir)
    finally:
        store.close()
    return settings, shop, fitted
