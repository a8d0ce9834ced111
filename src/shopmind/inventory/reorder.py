"""What to order today: a reorder list from current stock and quantile demand forecasts.

For each row of the `inventory` table (product_id, location, on_hand, on_order, lead_time_days,
unit_cost, holding_cost_rate, order_cost, min_order_qty, pack_size) and the matching forecast
series (unique_id = "product_id@location" by default; one row per future period with `mean`
and quantile columns q0.1, q0.5, ...):

1. the protection interval is P = (lead time + review interval) / period length, in forecast
   periods (e.g. 9 days lead + 7 days review with weekly forecasts: 16/7 = 2.29 weeks);
2. the demand over P comes from sample paths of the quantile forecasts (`policy.quantile_paths`
   with a Gaussian copula of correlation `correlation`, then `policy.lead_time_demand`);
3. the reorder point s is the `service_level` quantile of it (cycle service level) or the
   fill-rate level (`measure="fill"`); the inventory position is on_hand + on_order;
4. a product is listed when its inventory position is below s. It is ordered up to
   S = s + EOQ when the costs for an EOQ are known (unit_cost, holding_cost_rate > 0 and
   order_cost; yearly demand = forecast mean per period x 365 / period_days), else up to S = s
   (lot-for-lot: the EOQ is skipped and the reason says which cost was missing). The quantity
   S - position is raised to min_order_qty and rounded up to whole pack_size packs.

Bad input: a lead time <= 0 is a ValueError naming the products; a missing lead time uses
`default_lead_time_days` when given, else is a ValueError naming the products; so is a product
without a forecast or with one shorter than its protection interval. Negative stock or costs
are a ValueError (the import contract rejects them already).

References: E. A. Silver, D. F. Pyke, D. J. Thomas, *Inventory and Production Management in
Supply Chains*, 4th ed., CRC Press 2017 (ch. 6, (R,s,S) with S - s from the EOQ);
S. Axsäter, *Inventory Control*, 3rd ed., Springer 2015.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from shopmind.data.schema import DEFAULT_LOCATION
from shopmind.forecast.base import ID, TIME
from shopmind.inventory.policy import (
    DEFAULT_CORRELATION,
    ServiceMeasure,
    check_service_level,
    economic_order_quantity,
    lead_time_demand,
    quantile_paths,
    reorder_point,
    round_order_quantity,
)

__all__ = ["REORDER_COLUMNS", "default_series_id", "reorder_list"]

REORDER_COLUMNS = [
    "product_id",
    "location",
    "on_hand",
    "on_order",
    "inventory_position",
    "lead_time_days",
    "protection_periods",
    "expected_demand",
    "reorder_point",
    "safety_stock",
    "order_up_to",
    "eoq",
    "order_quantity",
    "reason",
]

_QUANTILE = re.compile(r"^q(\d*\.?\d+(?:e-?\d+)?)$")


def default_series_id(product_id: str, location: str) -> str:
    """The forecast series of a product at a location: 'P00042@main'."""
    return f"{product_id}@{location}"


def _quantile_columns(forecast: pd.DataFrame) -> list[tuple[float, str]]:
    found: list[tuple[float, str]] = []
    for column in forecast.columns:
        match = _QUANTILE.match(str(column))
        if match:
            level = float(match.group(1))
            if 0 < level < 1:
                found.append((level, str(column)))
    return sorted(found)


def _names(frame: pd.DataFrame, mask: pd.Series | np.ndarray, limit: int = 5) -> str:
    rows = frame.loc[np.asarray(mask, dtype=bool), ["product_id", "location"]]
    listed = [f"{p}@{loc}" for p, loc in rows.itertuples(index=False, name=None)]
    more = f" and {len(listed) - limit} more" if len(listed) > limit else ""
    return ", ".join(listed[:limit]) + more


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return pd.Series(np.nan, index=frame.index, dtype="float64")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def reorder_list(
    inventory: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    service_level: float = 0.95,
    review_days: float = 7.0,
    period_days: float = 7.0,
    measure: ServiceMeasure = "cycle",
    correlation: float = DEFAULT_CORRELATION,
    default_lead_time_days: float | None = None,
    n_samples: int = 2000,
    seed: int = 0,
    include_all: bool = False,
    series_id: Callable[[str, str], str] = default_series_id,
) -> pd.DataFrame:
    """The products to reorder now, with quantities and reasons (columns `REORDER_COLUMNS`).

    `forecast` is a forecaster's output (unique_id, ds, mean, q* columns, at least two
    quantiles) in periods of `period_days` days; `review_days` is the time until the next
    reorder list is acted on. With `include_all` every product is returned (order_quantity 0
    for those above their reorder point). Rows are sorted by how far the inventory position
    falls short of the reorder point, relative to it.
    """
    level = check_service_level(service_level)
    if not period_days > 0 or not review_days >= 0:
        raise ValueError("period_days must be > 0 and review_days >= 0")
    if "product_id" not in inventory.columns or "on_hand" not in inventory.columns:
        raise ValueError("inventory needs the columns product_id and on_hand")
    inv = inventory.copy()
    inv["product_id"] = inv["product_id"].astype(str)
    if "location" not in inv.columns:
        inv["location"] = DEFAULT_LOCATION
    inv["location"] = inv["location"].fillna(DEFAULT_LOCATION).astype(str)
    on_hand = _column(inv, "on_hand")
    on_order = _column(inv, "on_order").fillna(0.0)
    bad_stock = on_hand.isna() | (on_hand < 0) | (on_order < 0)
    if bad_stock.any():
        raise ValueError(f"on_hand must be given and >= 0, on_order >= 0: {_names(inv, bad_stock)}")
    lead = _column(inv, "lead_time_days")
    if lead.isna().any():
        if default_lead_time_days is None:
            raise ValueError(
                f"lead_time_days is missing for {_names(inv, lead.isna())}; fill it in or pass "
                "default_lead_time_days"
            )
        if not default_lead_time_days > 0:
            raise ValueError("default_lead_time_days must be > 0")
        lead = lead.fillna(float(default_lead_time_days))
    if (lead <= 0).any():
        raise ValueError(f"lead_time_days must be > 0: {_names(inv, lead <= 0)}")
    costs = {
        c: _column(inv, c)
        for c in ("unit_cost", "holding_cost_rate", "order_cost", "min_order_qty", "pack_size")
    }
    negative = np.zeros(len(inv), dtype=bool)
    for values in costs.values():
        negative |= (values < 0).to_numpy()
    if negative.any():
        raise ValueError(
            f"costs, minimum order and pack size must be >= 0: {_names(inv, negative)}"
        )

    quantiles = _quantile_columns(forecast)
    if len(quantiles) < 2:
        raise ValueError(
            "the forecast needs at least two quantile columns (e.g. q0.1, q0.5, q0.9) to build "
            "the lead-time demand distribution"
        )
    if ID not in forecast.columns or TIME not in forecast.columns:
        raise ValueError(f"the forecast needs the columns {ID} and {TIME}")
    levels = [q for q, _ in quantiles]
    qcols = [c for _, c in quantiles]
    by_series = {
        str(key): group.sort_values(TIME)
        for key, group in forecast.groupby(ID, sort=False, observed=True)
    }
    ids = [series_id(p, loc) for p, loc in zip(inv["product_id"], inv["location"], strict=True)]
    missing = np.array([i not in by_series for i in ids])
    if missing.any():
        raise ValueError(f"no forecast for {_names(inv, missing)}")
    periods = ((lead + review_days) / period_days).to_numpy()
    short = np.array(
        [len(by_series[i]) < math.ceil(p - 1e-9) for i, p in zip(ids, periods, strict=True)]
    )
    if short.any():
        raise ValueError(
            f"the forecast does not reach past lead time + review period for {_names(inv, short)}"
        )

    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for pos, (sid, p) in enumerate(zip(ids, periods, strict=True)):
        series = by_series[sid]
        need = math.ceil(p - 1e-9)
        quants = series[qcols].to_numpy(np.float64)[:need]
        if not np.all(np.isfinite(quants)):
            raise ValueError(f"the forecast of {sid} has missing quantiles")
        paths = quantile_paths(levels, quants, n_samples, correlation=correlation, seed=rng)
        # the protection interval (lead time + review) as one span of forecast periods
        demand = lead_time_demand(paths, float(p))
        means = (
            series["mean"].to_numpy(np.float64)[:need]
            if "mean" in series.columns
            else np.median(paths, axis=0)
        )
        per_period = float(np.mean(means))
        review_demand = per_period * review_days / period_days
        s = float(
            reorder_point(
                demand,
                level,
                measure=measure,
                cycle_demand=review_demand if measure == "fill" else None,
            )
        )
        expected = float(demand.mean())
        position = float(on_hand.iloc[pos] + on_order.iloc[pos])
        unit_cost = float(costs["unit_cost"].iloc[pos])
        rate = float(costs["holding_cost_rate"].iloc[pos])
        order_cost = float(costs["order_cost"].iloc[pos])
        gaps = [
            name
            for name, value in (
                ("unit_cost", unit_cost),
                ("holding_cost_rate", rate),
                ("order_cost", order_cost),
            )
            if math.isnan(value)
        ]
        if not gaps and unit_cost * rate <= 0:
            gaps = ["a holding cost > 0 (unit_cost x holding_cost_rate)"]
        if gaps:
            eoq = float("nan")
            up_to = s
        else:
            yearly = per_period * 365.0 / period_days
            eoq = float(economic_order_quantity(yearly, order_cost, unit_cost * rate))
            up_to = s + eoq
        below = position < s - 1e-9
        raw = up_to - position if below else 0.0
        quantity = float(
            round_order_quantity(
                raw, costs["pack_size"].iloc[pos], costs["min_order_qty"].iloc[pos]
            )
        )
        service = f"{level:.0%} cycle service" if measure == "cycle" else f"{level:.0%} fill rate"
        days = f"{_fmt(float(lead.iloc[pos]))} days lead time + {_fmt(float(review_days))} review"
        if below:
            reason = (
                f"inventory position {_fmt(position)} below reorder point {_fmt(s)} "
                f"({service} over {days}); order up to {_fmt(up_to)}"
            )
            reason += (
                f" = reorder point + EOQ {_fmt(eoq)}"
                if not gaps
                else f" (EOQ skipped: missing {', '.join(gaps)})"
            )
            if quantity > raw + 1e-9:
                reason += f", rounded up to {_fmt(quantity)} (pack size / minimum order)"
        else:
            reason = f"inventory position {_fmt(position)} covers reorder point {_fmt(s)}"
        rows.append(
            {
                "product_id": inv["product_id"].iloc[pos],
                "location": inv["location"].iloc[pos],
                "on_hand": float(on_hand.iloc[pos]),
                "on_order": float(on_order.iloc[pos]),
                "inventory_position": position,
                "lead_time_days": float(lead.iloc[pos]),
                "protection_periods": float(p),
                "expected_demand": expected,
                "reorder_point": s,
                "safety_stock": s - expected,
                "order_up_to": up_to,
                "eoq": eoq,
                "order_quantity": quantity,
                "reason": reason,
                "_urgency": (s - position) / max(abs(s), 1e-9),
            }
        )
    out = pd.DataFrame(rows, columns=[*REORDER_COLUMNS, "_urgency"])
    if not include_all:
        out = out[out["order_quantity"] > 0]
    out = out.sort_values("_urgency", ascending=False, kind="stable")
    return out.drop(columns="_urgency").reset_index(drop=True)
