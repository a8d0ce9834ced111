"""Tiny Forecasters for the backtest and ensemble tests: naive, mean and constant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import pandas as pd

from shopmind.forecast.base import DEFAULT_QUANTILES, ID, TARGET, TIME, quantile_column

__all__ = ["ConstantStub", "MeanStub", "NaiveStub", "daily"]


def daily(values: dict[str, Sequence[float]], start: str = "2024-01-01") -> pd.DataFrame:
    """A long daily history: one series per key, starting together."""
    frames = [
        pd.DataFrame(
            {ID: key, TIME: pd.date_range(start, periods=len(ys), freq="D"), TARGET: list(ys)}
        )
        for key, ys in values.items()
    ]
    return pd.concat(frames, ignore_index=True)


class _Stub:
    """Forecasts `level(history)` flat for h days; quantile q = level + (q - 0.5) * spread."""

    def __init__(self, spread: float = 0.0) -> None:
        self.spread = spread
        self.futures: list[pd.DataFrame | None] = []

    def level(self, y: pd.Series) -> float:
        raise NotImplementedError

    def fit(self, df: pd.DataFrame) -> Self:
        ordered = df.sort_values([ID, TIME])
        self.levels_ = {k: self.level(g[TARGET]) for k, g in ordered.groupby(ID)}
        self.last_ = {k: g[TIME].max() for k, g in ordered.groupby(ID)}
        self.n_rows_ = len(df)
        return self

    def predict(
        self,
        h: int,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        future: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        self.futures.append(future)
        rows = []
        for key, value in self.levels_.items():
            for step in range(1, h + 1):
                row = {ID: key, TIME: self.last_[key] + pd.Timedelta(days=step), "mean": value}
                for q in quantiles:
                    row[quantile_column(q)] = value + (q - 0.5) * self.spread
                rows.append(row)
        return pd.DataFrame(rows)


class NaiveStub(_Stub):
    def level(self, y: pd.Series) -> float:
        return float(y.iloc[-1])


class MeanStub(_Stub):
    def level(self, y: pd.Series) -> float:
        return float(y.mean())


class ConstantStub(_Stub):
    def __init__(self, value: float, spread: float = 0.0) -> None:
        super().__init__(spread)
        self.value = value

    def level(self, y: pd.Series) -> float:
        return self.value
