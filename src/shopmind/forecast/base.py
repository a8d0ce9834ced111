"""The forecaster contract: long frames in, long frames out (statsforecast's shape).

History is a long frame with `unique_id` (the series, e.g. "P00042@main"), `ds` (the period's
start, a timestamp) and `y` (demand in the period), plus any exogenous columns (price, promo,
...). A forecast is a long frame with `unique_id`, `ds`, `mean` and one column per quantile
named by `quantile_column` (`q0.1`, `q0.5`, `q0.9`, ...), h rows per series.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol, Self

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_QUANTILES",
    "ID",
    "TARGET",
    "TIME",
    "Forecaster",
    "check_history",
    "check_prediction",
    "check_quantiles",
    "quantile_column",
    "typed_history",
]

ID: Final = "unique_id"
TIME: Final = "ds"
TARGET: Final = "y"
DEFAULT_QUANTILES: Final = (0.1, 0.5, 0.9)


def quantile_column(q: float) -> str:
    """The forecast column of quantile `q`: 0.1 -> 'q0.1', 0.95 -> 'q0.95'."""
    return f"q{q:g}"


def check_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    """Sorted, distinct quantiles strictly between 0 and 1; ValueError otherwise."""
    values = tuple(sorted({float(q) for q in quantiles}))
    if not values or any(not 0.0 < q < 1.0 for q in values):
        raise ValueError(f"quantiles must lie strictly between 0 and 1, not {list(quantiles)}")
    return values


def check_prediction(
    history: pd.DataFrame | None, h: int, quantiles: Sequence[float]
) -> tuple[pd.DataFrame, tuple[float, ...]]:
    """The start of every `predict`: the fitted history (RuntimeError before `fit`), a horizon
    of at least one period and the checked quantiles."""
    if history is None:
        raise RuntimeError("fit the forecaster before predict")
    if h < 1:
        raise ValueError(f"the horizon h must be 1 or more, not {h}")
    return history, check_quantiles(quantiles)


def check_history(df: pd.DataFrame) -> None:
    """ValueError naming the problem when `df` is not a usable long history frame."""
    missing = [c for c in (ID, TIME, TARGET) if c not in df.columns]
    if missing:
        raise ValueError(f"history lacks the column(s) {', '.join(missing)}")
    if df.empty:
        raise ValueError("history is empty: a forecast needs at least one observed period")
    if df[TARGET].isna().any():
        raise ValueError("history has missing demand values (y); fill gaps with 0 first")
    if df.duplicated([ID, TIME]).any():
        raise ValueError("history has more than one row for a series and period")


def typed_history(df: pd.DataFrame) -> pd.DataFrame:
    """`df`'s id, time and demand columns, checked (`check_history`) and typed: string ids,
    timestamps and float demand, in a frame of their own."""
    check_history(df)
    history = df[[ID, TIME, TARGET]].copy()
    history[ID] = history[ID].astype(str)
    history[TIME] = pd.to_datetime(history[TIME])
    history[TARGET] = history[TARGET].astype(np.float64)
    return history


class Forecaster(Protocol):
    """What every forecasting model offers: fit on history, predict h periods with quantiles.

    `future` holds the exogenous columns for the forecast periods (unique_id, ds, price, ...):
    planned prices and promotions, so pricing can ask "what if".
    """

    def fit(self, df: pd.DataFrame) -> Self: ...

    def predict(
        self,
        h: int,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        future: pd.DataFrame | None = None,
    ) -> pd.DataFrame: ...
