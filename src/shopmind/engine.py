"""Train, evaluate, save and load every engine on one Shop snapshot."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable

from shopmind.artifacts import Artifacts
from shopmind.data.snapshot import Shop
from shopmind.errors import ArtifactError

__all__ = [
    "DASHBOARD_EVALUATIONS",
    "ENGINES",
    "CustomerState",
    "Engine",
    "SnapshotInfo",
    "save",
    "train",
]


class Engine(Protocol):
    name: str

    def fit(self, shop: Shop) -> Self: ...

    def evaluate(self, shop: Shop) -> dict[str, Any]: ...


@runtime_checkable
class CustomerState(Protocol):
    """An engine that keeps something per customer once fitted: a privacy export asks it what
    it holds, an erasure makes it forget, both without a retrain."""

    def about(self, customer_id: str) -> dict[str, Any] | None:
        """What the engine holds or infers about the customer; None if nothing."""
        ...

    def forget(self, customer_ids: Collection[str]) -> int:
        """Drop the per-customer state of these customers; returns how many it held."""
        ...


@dataclass(frozen=True)
class SnapshotInfo:
    """The numbers of a snapshot that an artifact's manifest records: what `save` needs when
    the engines were trained elsewhere than on one in-memory Shop (e.g. on Spark)."""

    last_event_id: int
    n_customers: int
    n_products: int
    rows: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, shop: Shop) -> SnapshotInfo:
        return cls(
            last_event_id=shop.last_event_id,
            n_customers=shop.n_customers,
            n_products=shop.n_products,
            rows={name: len(frame) for name, frame in shop.tables.items()},
        )


def _recommend() -> Engine:
    from shopmind.recommend.engine import RecommendEngine

    return RecommendEngine()


def _marketing() -> Engine:
    from shopmind.marketing.engine import MarketingEngine

    return MarketingEngine()


def _forecast() -> Engine:
    from shopmind.forecast.engine import ForecastEngine

    return ForecastEngine()


def _inventory() -> Engine:
    from shopmind.inventory.engine import InventoryEngine

    return InventoryEngine()


def _pricing() -> Engine:
    from shopmind.pricing.engine import PricingEngine

    return PricingEngine()


def _assistant() -> Engine:
    from shopmind.assistant.engine import AssistantEngine
    from shopmind.assistant.examples import read_examples
    from shopmind.config import Settings

    path = Settings().assistant_examples
    return AssistantEngine(read_examples(path) if path is not None else None)


ENGINES: dict[str, Callable[[], Engine]] = {
    "recommend": _recommend,
    "marketing": _marketing,
    "forecast": _forecast,
    "inventory": _inventory,
    "pricing": _pricing,
    "assistant": _assistant,
}
"""Engine name -> a factory of an unfitted engine with default settings."""

DASHBOARD_EVALUATIONS: dict[str, dict[str, Any]] = {
    "recommend": {"models": ["served", "popular"]},
    "forecast": {},
    "inventory": {},
}
"""The offline evaluations behind the dashboard's sales-lift figures, with the options that
keep them to about a minute on the demo shop: engine name -> keyword options of `evaluate`."""


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


def save(engines: dict[str, Engine], shop: Shop | SnapshotInfo, folder: Path) -> str:
    """Write the fitted engines as a new artifact version; returns the version. Engines of the
    current version that were not retrained are carried over, so training one engine does not
    take the others out of service; live events count from the older of their snapshots.
    `shop` may be the snapshot's `SnapshotInfo` instead of the Shop itself."""
    info = shop if isinstance(shop, SnapshotInfo) else SnapshotInfo.of(shop)
    artifacts = Artifacts(folder)
    models: dict[str, object] = dict(engines)
    last_event_id = info.last_event_id
    carried: dict[str, str] = {}
    if artifacts.current() is not None and set(ENGINES) - set(engines):
        try:
            current = artifacts.load()
        except ArtifactError:
            current = None
        if current is not None:
            for name, model in current.models.items():
                if name not in models:
                    models[name] = model
                    carried[name] = current.version
            if carried:
                last_event_id = min(last_event_id, int(current.manifest.get("last_event_id", 0)))
    manifest = {
        "last_event_id": last_event_id,
        "carried_over": carried,
        "customers": info.n_customers,
        "products": info.n_products,
        "rows": dict(info.rows),
    }
    return artifacts.save(models, manifest)
