"""Headline figures of a stored offline evaluation (`shopmind evaluate ENGINE`), for the
dashboard: the one or few numbers that say how good an engine is, next to its baseline."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MONTH_DAYS", "Gain", "gain", "headline"]

MONTH_DAYS = 30
"""The dashboard's money figures over time (stock and pricing savings) are per this many days."""

FORECAST_ERRORS = ("rmsse", "mase", "wape")
"""The forecast error metrics, in order of preference: RMSSE (M5's accuracy measure) first,
because the mean forecasts behind stock decisions are right under squared error, while MASE,
an absolute error, rewards forecasting zero on intermittent demand."""


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def _pick(row: object, *keys: str, prefix: str = "", suffix: str = "") -> dict[str, float]:
    """The numeric `keys` of `row` (a dict), named `prefix + key + suffix`."""
    if not isinstance(row, Mapping):
        return {}
    out = {}
    for key in keys:
        number = _number(row.get(key))
        if number is not None:
            out[f"{prefix}{key}{suffix}"] = round(number, 4)
    return out


def _models(results: Mapping[str, Any]) -> Mapping[str, Any]:
    models = results.get("models")
    return models if isinstance(models, Mapping) else {}


def _ranking_metric(results: Mapping[str, Any]) -> str | None:
    """ndcg@k if the evaluation has it for the served model, else hitrate@k."""
    served = _models(results).get("served")
    if not isinstance(served, Mapping):
        return None
    k = results.get("k", 10)
    for metric in (f"ndcg@{k}", f"hitrate@{k}"):
        if _number(served.get(metric)) is not None:
            return metric
    return None


def _forecast_metric(results: Mapping[str, Any]) -> str | None:
    ours = _models(results).get("shopmind")
    if not isinstance(ours, Mapping):
        return None
    return next((m for m in FORECAST_ERRORS if _number(ours.get(m)) is not None), None)


def headline(
    engine: str, results: Mapping[str, Any], *, uplift_model: str = "s-learner"
) -> dict[str, float]:
    """The engine's headline metrics, named `metric` or `metric (baseline)`; empty when the
    evaluation holds none of them. `uplift_model` is the marketing engine's served model."""
    models = _models(results)
    out: dict[str, float] = {}
    if engine == "recommend":
        metric = _ranking_metric(results)
        if metric is not None:
            out.update(_pick(models.get("served"), metric))
            out.update(_pick(models.get("popular"), metric, suffix=" (best-sellers)"))
    elif engine == "forecast":
        metric = _forecast_metric(results)
        if metric is not None:
            out.update(_pick(models.get("shopmind"), metric))
            out.update(_pick(models.get("seasonal-naive"), metric, suffix=" (seasonal naive)"))
    elif engine == "marketing":
        out.update(_pick(results.get("purchase"), "auc", prefix="purchase "))
        uplift = results.get("uplift")
        if isinstance(uplift, Mapping):
            out.update(_pick(uplift.get(uplift_model), "qini_auc", prefix="uplift "))
    elif engine == "inventory":
        ours = models.get("shopmind")
        out.update(_pick(ours, "fill_rate", "total_cost"))
        out.update(_pick(models.get("textbook"), "total_cost", suffix=" (textbook)"))
    elif engine == "pricing":
        out.update(_pick(results, "identified", "price_changes", "expected_profit_change_per_day"))
    elif engine == "assistant":
        out.update(_pick(results, "intent_accuracy", "examples"))
    return out


@dataclass(frozen=True)
class Gain:
    """How much better the engine's model did than its baseline, in percent; `low` and `high`
    bound it at `level` when the evaluation resampled its units (customers or series)."""

    metric: str
    ours: float
    baseline: float
    percent: float
    low: float | None = None
    high: float | None = None
    level: float | None = None
    resampled: str | None = None


def gain(engine: str, results: Mapping[str, Any]) -> Gain | None:
    """recommend: the served model's relative gain in ndcg@k (or hit rate) over best-sellers;
    forecast: the relative error reduction against seasonal naive; with the interval the
    evaluation recorded for that metric, if any. None when not measured."""
    models = _models(results)
    if engine == "recommend":
        metric, ours_name, base_name, higher = _ranking_metric(results), "served", "popular", True
    elif engine == "forecast":
        metric, ours_name, base_name, higher = (
            _forecast_metric(results),
            "shopmind",
            "seasonal-naive",
            False,
        )
    else:
        return None
    if metric is None:
        return None
    ours = _pick(models.get(ours_name), metric).get(metric)
    base = _pick(models.get(base_name), metric).get(metric)
    if ours is None or base is None or base <= 0:
        return None
    recorded = results.get("gain")
    if isinstance(recorded, Mapping) and recorded.get("metric") == metric:
        bounds = _pick(recorded, "percent", "low", "high", "level")
        if len(bounds) == 4:
            return Gain(
                metric,
                ours,
                base,
                round(bounds["percent"], 1),
                round(bounds["low"], 1),
                round(bounds["high"], 1),
                bounds["level"],
                str(recorded.get("resampled") or "units"),
            )
    percent = (ours - base) / base if higher else (base - ours) / base
    return Gain(metric, ours, base, round(100 * percent, 1))
