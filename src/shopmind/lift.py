"""The sales-lift report: what each engine is expected to add on this shop's own data.

Every estimate comes from what the served artifact already holds (the campaign planner's
bootstrap, the pricing engine's recommendations), from the store (the assistant's hand-offs) or
from the newest stored offline evaluation (recommend, forecast and the inventory backtest,
written by `shopmind evaluate`), so the whole report takes about a second. An engine without
such a number says so and names the command that measures it, rather than showing an invented
figure.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from shopmind.artifacts import Artifacts, Loaded
from shopmind.data import summary
from shopmind.data.store import Store
from shopmind.engine import ENGINES
from shopmind.errors import ShopmindError
from shopmind.marketing.campaign import INTERVAL, Offer
from shopmind.quality import MONTH_DAYS, gain
from shopmind.uncertainty import LEVEL, wilson

__all__ = ["LEVEL", "Lift", "LiftCache", "default_margin", "estimate", "report"]

log = logging.getLogger("shopmind.lift")

WHAT = {
    "recommend": "More items per basket from personal recommendations",
    "marketing": "Incremental profit of one targeted campaign",
    "forecast": "Demand forecasts behind the stock and pricing decisions",
    "inventory": "Lower stock costs (holding, ordering, lost sales)",
    "pricing": "More profit from the recommended prices",
    "assistant": "Customer questions answered without a person",
}


@dataclass(frozen=True)
class Lift:
    engine: str
    trained: bool
    adds: str
    estimate: float | None
    low: float | None
    high: float | None
    unit: str | None
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _missing(name: str, why: str) -> Lift:
    return Lift(name, False, WHAT[name], None, None, None, None, why)


def _not_recorded(name: str, what: str) -> Lift:
    return Lift(
        name,
        True,
        WHAT[name],
        None,
        None,
        None,
        None,
        f"The trained model records no {what}; run `shopmind evaluate {name}` to measure it "
        "on a hold-out of this shop's data (it takes a few minutes).",
    )


def default_margin(store: Store) -> float:
    """The catalogue's gross margin, (price - cost) / price weighted by price; 0.3 without costs."""
    products = store.table("products")
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(sa.func.sum(products.c.price), sa.func.sum(products.c.cost)).where(
                products.c.price > 0, products.c.cost.is_not(None)
            )
        ).one()
    price, cost = float(row[0] or 0.0), float(row[1] or 0.0)
    if price <= 0:
        return 0.3
    return float(min(max((price - cost) / price, 0.05), 1.0))


def _marketing(loaded: Loaded, offer: Offer) -> Lift:
    engine = loaded.models["marketing"]
    try:
        plan = engine.plan(offer)
    except ShopmindError as error:
        return Lift("marketing", True, WHAT["marketing"], None, None, None, None, str(error))
    low, high = plan.profit_interval
    return Lift(
        "marketing",
        True,
        WHAT["marketing"],
        round(float(plan.incremental_profit), 2),
        round(float(low), 2),
        round(float(high), 2),
        "money per campaign",
        (
            f"The campaign planner's plan for a {offer.discount:.0%} coupon "
            f"({offer.redemption:.0%} redeemed, {offer.cost_per_contact:g} per contact, "
            f"{offer.margin:.0%} margin): {len(plan.contacts):,} of {plan.audience:,} customers "
            f"worth contacting, uplift learnt from the shop's past campaigns; "
            f"{INTERVAL:.0%} interval from the uplift model's bootstrap."
        ),
    )


def _pricing(loaded: Loaded) -> Lift:
    table: pd.DataFrame = loaded.models["pricing"].recommendations_
    needed = {"delta_profit", "delta_profit_lo", "delta_profit_hi"}
    if table.empty or not needed <= set(table.columns):
        return _not_recorded("pricing", "priced product with a demand model")
    changed = int((table["recommended_price"] != table["price"]).sum())
    total = float(table["delta_profit"].sum()) * MONTH_DAYS
    low = float(table["delta_profit_lo"].sum()) * MONTH_DAYS
    high = float(table["delta_profit_hi"].sum()) * MONTH_DAYS
    return Lift(
        "pricing",
        True,
        WHAT["pricing"],
        round(total, 2),
        round(min(low, total), 2),
        round(max(high, total), 2),
        "money per 30 days",
        (
            f"The pricing engine's recommended prices ({changed:,} of {len(table):,} products "
            "change) through each product's estimated price elasticity, against today's prices; "
            "the products' own intervals added up, a cautious range that assumes their "
            "elasticity errors all lean the same way."
        ),
    )


def _inventory(record: dict[str, Any] | None) -> Lift:
    """From the stored backtest (`shopmind evaluate inventory`)."""
    results = record["results"] if record is not None else {}
    saving = results.get("saving")
    if not isinstance(saving, dict):
        return _not_recorded("inventory", "backtest of its reorder policy")
    when = str(record.get("evaluated_at") or "")[:10] if record is not None else ""
    return Lift(
        "inventory",
        True,
        WHAT["inventory"],
        saving["per_30_days"],
        saving["low"],
        saving["high"],
        "money per 30 days",
        (
            f"The backtest of {when or 'an unknown date'} (`shopmind evaluate inventory`): "
            f"forecasts fitted on the sales before {results.get('cutoff')} set the reorder "
            f"policy of {results.get('products', 0):,} stocked products, replayed over the "
            f"following {results.get('days')} days against the textbook normal-approximation "
            "policy set from the same earlier sales (holding, ordering and lost-sale costs from "
            f"the inventory table); {saving['level']:.0%} interval from resampling the products."
        ),
    )


def _assistant(store: Store) -> Lift:
    talks, handed = summary.conversations(store)
    if talks == 0:
        return Lift(
            "assistant",
            True,
            WHAT["assistant"],
            None,
            None,
            None,
            None,
            "No conversations yet: the share answered without a person shows here once "
            "customers use the assistant. `shopmind evaluate assistant` measures how well it "
            "understands questions (cross-validated intent accuracy).",
        )
    resolved = talks - handed
    low, high = wilson(resolved, talks, level=LEVEL)
    return Lift(
        "assistant",
        True,
        WHAT["assistant"],
        round(resolved / talks, 4),
        round(low, 4),
        round(high, 4),
        "share of conversations",
        (
            f"{resolved:,} of {talks:,} conversations the assistant held ended without a hand-off "
            f"to a person (from the tickets table); {LEVEL:.0%} Wilson interval."
        ),
    )


def _evaluated(name: str, loaded: Loaded, record: dict[str, Any] | None) -> Lift | None:
    """recommend and forecast: the stored evaluation's gain over the baseline, or None."""
    if record is None:
        return None
    measured = gain(name, record["results"])
    if measured is None:
        return None
    results = record["results"]
    when = str(record.get("evaluated_at") or "")[:10] or "an unknown date"
    version = record.get("model_version")
    same = version is not None and version in {loaded.version, *_carried(loaded).values()}
    served = (
        "the models of the version being served"
        if same
        else f"models of version {version or 'none'}, not the one being served"
    )
    if name == "recommend":
        unit = "% better ranking than best-sellers"
        split = str(results.get("split", "temporal"))
        customers = results.get("test_customers")
        held = f", {customers:,} test customers" if isinstance(customers, int) else ""
        basis = (
            f"The offline evaluation of {when} (`shopmind evaluate recommend`, {split} split"
            f"{held}; {served}): {measured.metric} {measured.ours:.4f} for the served "
            f"recommender against {measured.baseline:.4f} for best-sellers."
        )
    else:
        unit = "% lower forecast error than seasonal naive"
        h, windows = results.get("h"), results.get("windows")
        split = (
            f"the newest {h} periods, {windows} rolling windows"
            if h is not None and windows is not None
            else "the newest periods held out"
        )
        basis = (
            f"The backtest of {when} (`shopmind evaluate forecast`, {split}; {served}): "
            f"{measured.metric.upper()} {measured.ours:.4f} against {measured.baseline:.4f} "
            "for seasonal naive."
        )
    if measured.low is None or measured.high is None:
        basis += " The evaluation records no interval (re-run it to get one)."
    else:
        basis += (
            f" {measured.level:.0%} interval from resampling the {measured.resampled}; "
            "an offline ranking or error gain, not yet measured sales."
        )
    return Lift(name, True, WHAT[name], measured.percent, measured.low, measured.high, unit, basis)


def _carried(loaded: Loaded) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(loaded.manifest.get("carried_over") or {}).items()}


def estimate(
    name: str,
    loaded: Loaded | None,
    store: Store,
    offer: Offer,
    artifacts: Artifacts | None = None,
) -> Lift:
    """One engine's row of the report; `artifacts` holds the stored evaluations."""
    if loaded is None or name not in loaded.models:
        return _missing(name, f"Not trained; run `shopmind train {name}` to get an estimate.")
    try:
        if name == "marketing":
            return _marketing(loaded, offer)
        if name == "pricing":
            return _pricing(loaded)
        if name == "inventory":
            return _inventory(artifacts.evaluation(name) if artifacts is not None else None)
        if name == "assistant":
            return _assistant(store)
    except (ShopmindError, ValueError, KeyError, AttributeError) as error:
        log.warning("no %s lift estimate: %s", name, error)
        return Lift(name, True, WHAT[name], None, None, None, None, f"No estimate: {error}")
    record = artifacts.evaluation(name) if artifacts is not None else None
    row = _evaluated(name, loaded, record)
    if row is not None:
        return row
    if name == "recommend":
        return _not_recorded(name, "offline hit rate or NDCG against the popularity baseline")
    return _not_recorded(name, "backtest accuracy")


_UNCACHED = {"assistant", "recommend", "forecast", "inventory"}
"""Engines whose estimate reads the store or a stored evaluation (either changes while the model
stays, and reading is cheap): never cached."""


class LiftCache:
    """Rows computed from a model, kept per (model version, engine, offer): a model version
    never changes, so its estimates need computing once."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._rows: dict[tuple[str, str, Offer], Lift] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, Offer]) -> Lift | None:
        with self._lock:
            return self._rows.get(key)

    def put(self, key: tuple[str, str, Offer], row: Lift) -> None:
        with self._lock:
            if len(self._rows) >= self.size:
                self._rows.pop(next(iter(self._rows)))
            self._rows[key] = row


def report(
    loaded: Loaded | None,
    store: Store,
    offer: Offer,
    cache: LiftCache | None = None,
    artifacts: Artifacts | None = None,
) -> list[Lift]:
    """Every engine's row, in the order of `shopmind.engine.ENGINES`; `artifacts` holds the
    stored evaluations."""
    rows = []
    for name in ENGINES:
        key = None if loaded is None or name in _UNCACHED else (loaded.version, name, offer)
        row = cache.get(key) if cache is not None and key is not None else None
        if row is None:
            row = estimate(name, loaded, store, offer, artifacts)
            if cache is not None and key is not None:
                cache.put(key, row)
        rows.append(row)
    return rows
