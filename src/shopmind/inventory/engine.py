"""The inventory engine: what to order today, and what a stocking policy would have cost.

`fit` keeps the snapshot's `inventory` table (stock, lead times, costs, order sizes) and the
daily demand history of every stocked product. Answers combine it with the forecast engine's
stored quantile forecasts: `reorder` lists what to order now (`reorder.reorder_list`), and
`simulate` replays a policy over the product's own recent demand (`simulate.simulate`), by
default the (R,S) policy the reorder list would use, next to the textbook normal policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, Self

import numpy as np
import pandas as pd
from scipy.stats import norm

from shopmind.data.schema import DEFAULT_LOCATION
from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError, NotFoundError
from shopmind.forecast.base import ID, TARGET, TIME
from shopmind.forecast.engine import ForecastEngine
from shopmind.forecast.series import demand_frame
from shopmind.inventory.policy import check_service_level
from shopmind.inventory.reorder import reorder_list
from shopmind.inventory.simulate import (
    Costs,
    MinMax,
    OrderUpTo,
    Policy,
    ReorderQuantity,
    SimulationResult,
    simulate,
)
from shopmind.quality import MONTH_DAYS
from shopmind.uncertainty import LEVEL, bootstrap_mean

__all__ = ["InventoryEngine", "PolicySpec"]

HISTORY_DAYS: Final = 365
"""Demand history kept per product for replays."""
KNOWN_DAYS: Final = 91
"""Days of demand before a replay that the textbook policy is estimated from."""
BACKTEST_DAYS: Final = 56
"""Days the evaluation replays after its cutoff."""

PolicyKind = Literal["recommended", "order-up-to", "min-max", "reorder-quantity"]


@dataclass(frozen=True)
class PolicySpec:
    """A policy to replay: `recommended` (the reorder list's (R,s,S): review every R days,
    order up to S when the inventory position is at or below s) or explicit levels."""

    kind: PolicyKind = "recommended"
    level: float | None = None
    reorder_point: float | None = None
    quantity: float | None = None
    review_days: int = 7

    def build(self, recommended: tuple[float, float]) -> Policy:
        if self.kind == "recommended":
            return MinMax(recommended[0], recommended[1], self.review_days)
        if self.kind == "order-up-to":
            return OrderUpTo(_need(self.level, "level"), self.review_days)
        if self.kind == "min-max":
            return MinMax(
                _need(self.reorder_point, "reorder_point"),
                _need(self.level, "level"),
                self.review_days,
            )
        return ReorderQuantity(
            _need(self.reorder_point, "reorder_point"),
            _need(self.quantity, "quantity"),
            self.review_days,
        )


def _need(value: float | None, name: str) -> float:
    if value is None or not np.isfinite(value) or value < 0:
        raise ValueError(f"this policy needs {name} >= 0")
    return float(value)


class InventoryEngine:
    """Stock, lead times and costs of every product, and its recent demand."""

    name = "inventory"

    def __init__(
        self,
        *,
        service_level: float = 0.95,
        review_days: float = 7.0,
        default_lead_time_days: float | None = 7.0,
    ) -> None:
        self.service_level = service_level
        self.review_days = review_days
        self.default_lead_time_days = default_lead_time_days

    def fit(self, shop: Shop) -> Self:
        check_service_level(self.service_level)
        inventory = shop.tables["inventory"]
        if inventory.empty:
            raise InsufficientDataError(
                "the shop has no inventory table: import stock levels and lead times"
            )
        self.inventory_ = inventory.copy()
        self.inventory_["location"] = self.inventory_["location"].fillna(DEFAULT_LOCATION)
        history = demand_frame(shop, freq="D", keep_inactive=True)
        history = history.groupby(ID, sort=False).tail(HISTORY_DAYS)
        self.history_ = history[[ID, TIME, TARGET]].set_index(ID).sort_index()
        return self

    def reorder(
        self,
        forecast: ForecastEngine,
        *,
        service_level: float | None = None,
        review_days: float | None = None,
        include_all: bool = False,
    ) -> pd.DataFrame:
        """The products to order now (or every product), with quantities and reasons."""
        stocked = self._forecast_rows(forecast)
        return reorder_list(
            self.inventory_[self._stocked_mask(stocked)],
            forecast.forecast_.reset_index(),
            service_level=self.service_level if service_level is None else service_level,
            review_days=self.review_days if review_days is None else review_days,
            period_days=1.0 if forecast.freq == "D" else 7.0,
            default_lead_time_days=self.default_lead_time_days,
            include_all=include_all,
        )

    def _forecast_rows(self, forecast: ForecastEngine) -> set[str]:
        return {str(s) for s in forecast.forecast_.index.unique()}

    def _stocked_mask(self, series: set[str]) -> np.ndarray:
        keys = self.inventory_["product_id"].astype(str) + "@" + self.inventory_["location"]
        return keys.isin(series).to_numpy()

    def simulate(
        self,
        forecast: ForecastEngine,
        product_id: str,
        *,
        location: str | None = None,
        policy: PolicySpec | None = None,
        lead_time_days: int | None = None,
        days: int = 182,
        lost_sales: bool = True,
        recommended: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        """Replay `policy` (default: the reorder list's (R,s,S)) over the product's last `days`
        days of demand, next to the textbook version of the same policy (s from a normal
        approximation of the demand before those days, the same S - s); the stock curve of
        the chosen policy comes with it."""
        spec = policy or PolicySpec()
        row = self._inventory_row(product_id, location)
        series = f"{product_id}@{row['location']}"
        demand = self._demand(series, days)
        lead = self._lead_time(row, lead_time_days)
        costs = Costs(
            holding=_cost(row, "unit_cost") * _cost(row, "holding_cost_rate") / 365.0,
            order=_cost(row, "order_cost"),
            shortage=_cost(row, "stockout_cost"),
        )
        if recommended is None:
            listed = self.reorder(forecast, review_days=spec.review_days, include_all=True)
            mine = listed[
                (listed["product_id"] == product_id) & (listed["location"] == row["location"])
            ]
            if mine.empty:
                raise InsufficientDataError(f"{series} has no forecast to set its policy from")
            recommended = (float(mine["reorder_point"].iloc[0]), float(mine["order_up_to"].iloc[0]))
        chosen = spec.build(recommended)
        result = simulate(
            demand, chosen, lead_time=lead, lost_sales=lost_sales, costs=costs, keep_paths=True
        )
        normal = self._normal_level(self._known(series, days), lead, spec.review_days)
        textbook = simulate(
            demand,
            MinMax(normal, normal + recommended[1] - recommended[0], spec.review_days),
            lead_time=lead,
            lost_sales=lost_sales,
            costs=costs,
        )
        return {
            "series": series,
            "days": len(demand),
            "lead_time_days": lead,
            "policy": chosen,
            "result": result,
            "textbook": textbook,
        }

    def _inventory_row(self, product_id: str, location: str | None) -> pd.Series:
        rows = self.inventory_[self.inventory_["product_id"].astype(str) == product_id]
        if location is not None:
            rows = rows[rows["location"] == location]
        if rows.empty:
            where = "" if location is None else f" at {location!r}"
            raise NotFoundError(f"product {product_id!r} is not in the inventory table{where}")
        return rows.iloc[0]

    def _demand(self, series: str, days: int) -> np.ndarray:
        if days < 14:
            raise ValueError(f"a replay needs at least 14 days, not {days}")
        if series not in self.history_.index:
            raise InsufficientDataError(f"{series} has no demand history to replay")
        values = self.history_.loc[[series], TARGET].to_numpy(np.float64)[-days:]
        return np.asarray(np.clip(values, 0.0, None), dtype=np.float64)

    def _lead_time(self, row: pd.Series, override: int | None) -> int:
        if override is not None:
            if override < 1:
                raise ValueError(f"lead time must be at least one day, not {override}")
            return int(override)
        value = row.get("lead_time_days")
        if value is None or pd.isna(value):
            if self.default_lead_time_days is None:
                raise ValueError(f"lead_time_days is missing for {row['product_id']}")
            value = self.default_lead_time_days
        if float(value) <= 0:
            raise ValueError(f"lead_time_days of {row['product_id']} must be > 0, not {value}")
        return max(1, round(float(value)))

    def _known(self, series: str, days: int) -> np.ndarray:
        """The daily demand the textbook policy is set from: up to `KNOWN_DAYS` days before the
        replayed `days`, or, with fewer than 28 of those, the first half of the replay."""
        values = self.history_.loc[[series], TARGET].to_numpy(np.float64)
        before = values[max(0, len(values) - days - KNOWN_DAYS) : max(0, len(values) - days)]
        if len(before) >= 28:
            return np.asarray(np.clip(before, 0.0, None), dtype=np.float64)
        replay = np.clip(values[-days:], 0.0, None)
        return np.asarray(replay[: max(7, len(replay) // 2)], dtype=np.float64)

    def _normal_level(self, known: np.ndarray, lead: int, review: int) -> float:
        """Textbook reorder point: mu (L + R) + z sigma sqrt(L + R), mu and sigma of the daily
        demand `known` when the policy is set."""
        periods = lead + review
        z = float(norm.ppf(self.service_level))
        return float(known.mean() * periods + z * known.std() * np.sqrt(periods))

    def evaluate(self, shop: Shop, *, days: int = BACKTEST_DAYS, **_: Any) -> dict[str, Any]:
        """A backtest of the policy on the newest `days` days: forecasts fitted on the demand
        before them set every stocked product's (R,s,S) as the reorder list would have on the
        cutoff day; it and the textbook normal policy (from the same earlier demand, the same
        S - s) are replayed over those days from the same starting stock. Pooled service and
        costs per policy, and the saving per 30 days over all replayed products with the
        interval from resampling them."""
        self.fit(shop)
        history = demand_frame(shop, freq="D")[[ID, TIME, TARGET]]
        dates = np.sort(history[TIME].unique())
        if len(dates) < days + KNOWN_DAYS:
            raise InsufficientDataError(
                f"a stock backtest needs {days + KNOWN_DAYS} days of sales, the shop has "
                f"{len(dates)}"
            )
        cutoff = pd.Timestamp(dates[-days - 1])
        forecast = ForecastEngine(horizon=days, test_periods=days)
        forecast.fit_history(history[history[TIME] <= cutoff])
        listed = self.reorder(forecast, include_all=True)
        rows = listed[["product_id", "location", "reorder_point", "order_up_to"]]
        pooled: dict[str, list[SimulationResult]] = {"shopmind": [], "textbook": []}
        savings = []
        for product_id, location, low, high in rows.itertuples(index=False):
            try:
                run = self.simulate(
                    forecast,
                    str(product_id),
                    location=str(location),
                    recommended=(float(low), float(high)),
                    days=days,
                )
            except (InsufficientDataError, ValueError):
                continue
            pooled["shopmind"].append(run["result"])
            pooled["textbook"].append(run["textbook"])
            ours, textbook = run["result"].total_cost.sum(), run["textbook"].total_cost.sum()
            savings.append(float(textbook - ours) * MONTH_DAYS / days)
        results: dict[str, Any] = {
            "service_level": self.service_level,
            "cutoff": f"{cutoff:%Y-%m-%d}",
            "days": days,
            "products": len(pooled["shopmind"]),
            "models": {name: _pooled(runs) for name, runs in pooled.items()},
        }
        if savings:
            per_product = np.asarray(savings)
            low, high = bootstrap_mean(per_product)
            results["saving"] = {
                "per_30_days": round(float(per_product.sum()), 2),
                "low": round(low * len(per_product), 2),
                "high": round(high * len(per_product), 2),
                "level": LEVEL,
                "resampled": "products",
            }
        return results


def _cost(row: pd.Series, name: str) -> float:
    value = row.get(name)
    return 0.0 if value is None or pd.isna(value) else float(value)


def _pooled(runs: list[SimulationResult]) -> dict[str, float]:
    if not runs:
        return {}
    demand = sum(float(r.demand.sum()) for r in runs)
    served = sum(float(r.served.sum()) for r in runs)
    cycles = sum(float(r.cycles.sum()) for r in runs)
    met = sum(float((r.cycle_service_level * r.cycles).sum()) for r in runs)
    return {
        "fill_rate": round(served / demand, 4) if demand else float("nan"),
        "cycle_service_level": round(met / cycles, 4) if cycles else float("nan"),
        "average_on_hand": round(sum(float(r.average_on_hand.sum()) for r in runs), 1),
        "total_cost": round(sum(float(r.total_cost.sum()) for r in runs), 1),
    }
