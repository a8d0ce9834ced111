"""inventory-policy: order-up-to policies replayed on Walmart's weekly store x department sales.

Issue 5's study. Every store x department series is a product at a location whose weekly sales
(dollars, used as units) are its demand. Each week of the last 52 the policy is recomputed
from the data up to the week before, an order is placed up to its level S (weekly review,
R = 1), and arrives two weeks later (L = 2); sales beyond the stock on hand are lost. Target
cycle service level 95%.

shopmind's policy is `policy.order_up_to_level` on the lead-time demand distribution that
`policy.quantile_paths` + `policy.lead_time_demand` build from per-week quantile forecasts.
The quantile forecaster here is a small, fast stand-in written for this study (the forecast
engine's LocalForecaster / GlobalForecaster will replace it; the policy only sees quantiles):
a seasonal naive mean (the same weeks a year earlier, scaled by the ratio of the last 8 weeks'
sales to the same 8 weeks a year before, clipped to [0.5, 2]) plus the empirical quantiles of
the series' own past errors at each horizon (rolling origins, only errors already observed).
The weeks are tied by a Gaussian copula whose correlation is the pooled cross-horizon error
correlation of all series, again from past errors only. Ablations: the same quantiles with
independent (rho = 0) or comonotone (rho = 1) weeks, the empirical residual bootstrap (forecast
+ whole past error vectors, no quantiles), and the same forecast with normal i.i.d. errors.

The peer is the textbook policy (Silver, Pyke & Thomas 2017, eq. 6.17 with R + L): S = mu (L + R)
+ z sigma sqrt(L + R), mu and sigma the mean and standard deviation of the last 13 (or 26) weeks,
z = 1.645.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from shopmind.bench import benchmarks_dir
from shopmind.data.datasets import walmart_sales
from shopmind.inventory import policy
from shopmind.inventory.simulate import Costs, OrderUpTo, SimulationResult, plot_stock, simulate

LEAD, REVIEW = 2, 1
PERIODS = LEAD + REVIEW
SERVICE = 0.95
REPLAY = 52
WARMUP = 4
LEVEL_WEEKS = 8
SEASON = 52
FIRST_ORIGIN = SEASON + LEVEL_WEEKS  # the first week the seasonal forecast can be made
LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
SAMPLES = 1000
HOLDING = 0.005  # per dollar of stock on hand per week (26% a year)
ORDER_COST = 20.0  # dollars per order
SHORTAGE = 0.30  # dollars per dollar of lost sales (lost margin)
PLOT_SERIES = ("1", "72")  # store 1, department 72 (electronics): Thanksgiving peak


def load() -> tuple[np.ndarray, list[tuple[str, str]], pd.DatetimeIndex, dict[str, int]]:
    frame = walmart_sales()
    wide = frame.pivot_table(
        index=["location", "product_id"], columns="ds", values="demand", aggfunc="sum"
    )
    total = len(wide)
    wide = wide[wide.notna().all(axis=1)]
    complete = len(wide)
    y = wide.to_numpy(np.float64)
    negative = int((y < 0).sum())
    y = np.clip(y, 0.0, None)
    active = y[:, -(REPLAY + WARMUP) :].sum(axis=1) > 0
    keys = [(str(loc), str(prod)) for loc, prod in wide.index[active]]
    counts = {
        "series": total,
        "complete": complete,
        "kept": int(active.sum()),
        "negative_weeks_clipped": negative,
    }
    return y[active], keys, pd.DatetimeIndex(wide.columns), counts


def seasonal_forecasts(y: np.ndarray) -> np.ndarray:
    """(n, T, PERIODS): the forecast of weeks o..o+PERIODS-1 made at origin o (NaN before)."""
    n, t_len = y.shape
    out = np.full((n, t_len, PERIODS), np.nan)
    for o in range(FIRST_ORIGIN, t_len):
        recent = y[:, o - LEVEL_WEEKS : o].sum(axis=1)
        before = y[:, o - SEASON - LEVEL_WEEKS : o - SEASON].sum(axis=1)
        ratio = np.clip((recent + 1e-9) / (before + 1e-9), 0.5, 2.0)
        out[:, o, :] = y[:, o - SEASON : o - SEASON + PERIODS] * ratio[:, None]
    return out


def past_errors(y: np.ndarray, forecasts: np.ndarray, t: int) -> np.ndarray:
    """(n, origins, PERIODS): errors of the forecasts whose weeks all lie before week t."""
    origins = range(FIRST_ORIGIN, t - PERIODS + 1)
    actual = np.stack([y[:, o : o + PERIODS] for o in origins], axis=1)
    errors: np.ndarray = actual - forecasts[:, FIRST_ORIGIN : t - PERIODS + 1, :]
    return errors


def pooled_correlation(errors: np.ndarray) -> float:
    """Mean correlation between the errors at two different horizons, over all series."""
    centred = errors - errors.mean(axis=1, keepdims=True)
    sd = centred.std(axis=1) + 1e-12
    pairs = [
        (centred[:, :, a] * centred[:, :, b]).mean(axis=1) / (sd[:, a] * sd[:, b])
        for a in range(PERIODS)
        for b in range(a + 1, PERIODS)
    ]
    return float(np.clip(np.mean(pairs), 0.0, 1.0))


Levels = Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]
"""(history y[:, :t], this origin's forecast (n, PERIODS), past errors, t) -> S (n,)."""


def quantile_paths_policy(correlation: float | None) -> Levels:
    def levels(_: np.ndarray, forecast: np.ndarray, errors: np.ndarray, t: int) -> np.ndarray:
        # per-week quantile forecasts: the generic input the forecast engine will provide
        quantiles = forecast[:, :, None] + np.quantile(errors, LEVELS, axis=1).transpose(1, 2, 0)
        rho = pooled_correlation(errors) if correlation is None else correlation
        paths = policy.quantile_paths(LEVELS, quantiles, SAMPLES, correlation=rho, seed=t)
        demand = policy.lead_time_demand(paths, LEAD, REVIEW)
        return policy.order_up_to_level(demand, SERVICE)

    return levels


def bootstrap_policy(_: np.ndarray, forecast: np.ndarray, errors: np.ndarray, t: int) -> np.ndarray:
    paths = np.maximum(forecast[:, None, :] + errors, 0.0)
    demand = policy.lead_time_demand(paths, LEAD, REVIEW, method="residual bootstrap")
    return policy.order_up_to_level(demand, SERVICE)


def seasonal_normal_policy(
    _: np.ndarray, forecast: np.ndarray, errors: np.ndarray, t: int
) -> np.ndarray:
    sigma = errors.reshape(len(errors), -1).std(axis=1, ddof=1)
    demand = policy.normal_lead_time_demand(forecast.mean(axis=1), sigma, LEAD, REVIEW)
    return policy.order_up_to_level(demand, SERVICE)


def textbook_policy(weeks: int) -> Levels:
    def levels(history: np.ndarray, _: np.ndarray, __: np.ndarray, t: int) -> np.ndarray:
        window = history[:, -weeks:]
        demand = policy.normal_lead_time_demand(
            window.mean(axis=1), window.std(axis=1, ddof=1), LEAD, REVIEW
        )
        return policy.order_up_to_level(demand, SERVICE)

    return levels


SYSTEMS: list[tuple[str, str, str, Levels]] = [
    (
        "shopmind:quantile-paths",
        "shopmind",
        "per-week quantiles (7 levels) of seasonal-naive forecast + own past errors; weeks tied "
        "by a Gaussian copula with the pooled past cross-horizon error correlation; S = 95% "
        f"quantile of {SAMPLES} summed paths",
        quantile_paths_policy(None),
    ),
    (
        "shopmind:quantile-paths (independent weeks)",
        "shopmind",
        "ablation: the same quantiles, correlation 0",
        quantile_paths_policy(0.0),
    ),
    (
        "shopmind:quantile-paths (comonotone weeks)",
        "shopmind",
        "ablation: the same quantiles, correlation 1 (sum of the weekly 95% quantiles)",
        quantile_paths_policy(1.0),
    ),
    (
        "shopmind:residual-bootstrap",
        "shopmind",
        "ablation: forecast + every past 3-week error vector of the series as sample paths",
        bootstrap_policy,
    ),
    (
        "shopmind:seasonal + normal errors",
        "shopmind",
        "ablation: the same forecast, S = forecast sum + z sigma sqrt(3), sigma of past errors",
        seasonal_normal_policy,
    ),
    (
        "textbook:normal-13w",
        "peer",
        "S = 3 mu + 1.645 sigma sqrt(3), mean and std of the last 13 weeks",
        textbook_policy(13),
    ),
    (
        "textbook:normal-26w",
        "peer",
        "S = 3 mu + 1.645 sigma sqrt(3), mean and std of the last 26 weeks",
        textbook_policy(26),
    ),
]


def replay(y: np.ndarray, forecasts: np.ndarray, levels: Levels) -> tuple[np.ndarray, float]:
    """Order-up-to levels (n, WARMUP + REPLAY) for each replayed week from data before it."""
    t_len = y.shape[1]
    start = t_len - REPLAY - WARMUP
    out = np.zeros((len(y), t_len - start))
    began = time.perf_counter()
    for i, t in enumerate(range(start, t_len)):
        errors = past_errors(y, forecasts, t)
        out[:, i] = levels(y[:, :t], forecasts[:, t, :], errors, t)
    return np.maximum(out, 0.0), time.perf_counter() - began


def run() -> dict[str, Any]:
    y, keys, weeks, counts = load()
    forecasts = seasonal_forecasts(y)
    start = y.shape[1] - REPLAY - WARMUP
    costs = Costs(holding=HOLDING, order=ORDER_COST, shortage=SHORTAGE)
    results: list[dict[str, Any]] = []
    sims: dict[str, tuple[SimulationResult, np.ndarray]] = {}
    for name, kind, note, levels in SYSTEMS:
        s, seconds = replay(y, forecasts, levels)
        sim = simulate(
            y[:, start:],
            OrderUpTo(s),
            lead_time=LEAD,
            lost_sales=True,
            costs=costs,
            warmup=WARMUP,
            keep_paths=name == SYSTEMS[0][0],
        )
        sims[name] = (sim, s)
        summary = sim.summary()
        per_series_csl = sim.cycle_service_level
        results.append(
            {
                "system": name,
                "kind": kind,
                "csl": round(summary["cycle_service_level"], 4),
                "csl_series_p10": round(float(np.quantile(per_series_csl, 0.1)), 3),
                "fill_rate": round(summary["fill_rate"], 4),
                "avg_inventory_musd": round(summary["average_on_hand"] / 1e6, 2),
                "holding_musd": round(summary["holding_cost"] / 1e6, 3),
                "ordering_musd": round(summary["ordering_cost"] / 1e6, 3),
                "stockout_musd": round(summary["shortage_cost"] / 1e6, 3),
                "total_cost_musd": round(summary["total_cost"] / 1e6, 3),
                "policy_seconds": round(seconds, 1),
                "note": note,
            }
        )
    peer = next(r for r in results if r["system"] == "textbook:normal-13w")
    for row in results:
        row["inventory_vs_textbook"] = round(
            row["avg_inventory_musd"] / peer["avg_inventory_musd"] - 1.0, 3
        )
    ours = results[0]

    location, product = PLOT_SERIES
    index = keys.index((location, product)) if (location, product) in keys else 0
    sim, s = sims[SYSTEMS[0][0]]
    plot_stock(
        sim,
        benchmarks_dir() / "results" / "inventory-policy-stock.png",
        series=index,
        level=s,
        dates=weeks[start:].to_numpy(),
        title=(
            f"Walmart store {keys[index][0]}, dept {keys[index][1]}: shopmind order-up-to, "
            f"L = {LEAD} weeks, weekly review, 95% CSL target"
        ),
        unit="dollars of weekly sales",
    )

    saving = -ours["inventory_vs_textbook"]
    met = bool(
        abs(ours["csl"] - SERVICE) <= 0.01
        and saving >= 0.15
        and ours["fill_rate"] >= peer["fill_rate"]
    )
    first, last = weeks[start + WARMUP], weeks[-1]
    return {
        "study": "inventory-policy",
        "dataset": (
            f"Walmart store x department weekly sales (Kaggle 2014), {counts['series']:,} "
            f"series; kept the {counts['kept']:,} with all {len(weeks)} weeks recorded "
            f"({counts['series'] - counts['complete']:,} have gaps) and sales in the replay; "
            f"{counts['negative_weeks_clipped']:,} negative weeks (net returns) clipped at 0; "
            "dollars of sales used as units"
        ),
        "protocol": (
            f"weekly review (R = {REVIEW}), lead time L = {LEAD} weeks (an order placed at the "
            f"start of week t serves week t + {LEAD}), lost sales, target cycle service level "
            f"{SERVICE:.0%}; replay of the {REPLAY} weeks {first:%Y-%m-%d} to {last:%Y-%m-%d} "
            f"after {WARMUP} warm-up weeks that start at S: every week each system recomputes "
            "its order-up-to level S from the weeks before only and orders S minus the "
            "inventory position; same demand, same costs for all: holding "
            f"{HOLDING:.1%} of stock value per week on end-of-week stock, ${ORDER_COST:.0f} per "
            f"order, ${SHORTAGE:.2f} per dollar of lost sales. csl = share of series-weeks "
            "without lost sales (pooled), csl_series_p10 = its 10th percentile over series, "
            "fill_rate = sales served / demand (pooled), avg_inventory_musd = mean end-of-week "
            "stock summed over the series ($M), costs summed over the series and weeks ($M), "
            "inventory_vs_textbook = relative to textbook:normal-13w. shopmind's quantile "
            "forecaster is a stand-in (seasonal naive + empirical error quantiles) until the "
            "forecast engine's models are wired in"
        ),
        "results": results,
        "target": {
            "description": (
                "issue 5: shopmind:quantile-paths' cycle service level within 1 point of 95% "
                "and at least 15% less average inventory than the textbook policy "
                "(textbook:normal-13w) at an equal or better fill rate"
            ),
            "csl": ours["csl"],
            "inventory_saving": round(saving, 3),
            "fill_rate": ours["fill_rate"],
            "textbook_fill_rate": peer["fill_rate"],
            "met": met,
        },
        "notes": {
            "textbook_shortfall": (
                "the textbook levels follow a 13- or 26-week moving average, so they lag the "
                "November-December peak and miss the 95% target by a wide margin while "
                "carrying more stock the rest of the year"
            ),
            "plot": "results/inventory-policy-stock.png",
        },
    }
