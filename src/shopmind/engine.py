"""Train, evaluate, save and load every engine on one Shop snapshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, Self

from shopmind.artifacts import Artifacts
from shopmind.data.snapshot import Shop

__all__ = ["ENGINES", "Engine", "save", "train"]


class Engine(Protocol):
    name: str

    def fit(self, shop: Shop) -> Self: ...

    def evaluate(self, shop: Shop) -> dict[str, Any]: ...


def _recommend() -> Engine:
    from shopmind.recommend.engine import RecommendEngine

    return RecommendEngine()


ENGINES: dict[str, Callable[[], Engine]] = {"recommend": _recommend}
"""Engine name -> a factory of an unfitted engine with default settings."""


def train(
    shop: Shop, names: list[str] | None = None, progress: Callable[[str], None] | None = None
) -> dict[str, Engine]:
    """Fit the named engines (default: all) on the same snapshot."""
    chosen = names or list(ENGINES)
    unknown = [n for n in chosen if n not in ENGINES]
    if unknown:
        raise KeyError(f"unknown engines {unknown}; engines: {', '.join(ENGINES)}")
    fitted: dict[str, Engine] = {}
    for name in chosen:
        if progress is not None:
            progress(name)
        fitted[name] = ENGINES[name]().fit(shop)
    return fitted


def save(engines: dict[str, Engine], shop: Shop, folder: Path) -> str:
    """Write the fitted engines as a new artifact version; returns the version."""
    manifest = {
        "last_event_id": shop.last_event_id,
        "customers": shop.n_customers,
        "products": shop.n_products,
        "rows": {name: len(frame) for name, frame in shop.tables.items()},
    }
    return Artifacts(folder).save(engines, manifest)
