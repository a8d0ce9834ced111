"""The forecast engine: demand forecasts with quantiles for every product and location.

`fit` builds the demand series of the snapshot (`series.demand_frame`), fits the forecaster and
forecasts `horizon` periods ahead at a fixed grid of quantiles (`GRID`). An answer for any
horizon up to that and any quantile within the grid's range is read off the stored forecast:
a quantile between two grid points is interpolated linearly, which keeps the answers monotone in
q. Serving therefore never refits or re-predicts; retraining refreshes the forecasts.
`evaluate` backtests the forecaster against seasonal naive on the newest periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, Self

import numpy as np
import pandas as pd

from shopmind.data.schema import DEFAULT_LOCATION
from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError, NotFoundError
from shopmind.forecast.backtest import backtest
from shopmind.forecast.base import ID, TARGET, TIME, Forecaster, check_quantiles, quantile_column
from shopmind.forecast.local import LocalForecaster
from shopmind.forecast.series import demand_frame
from shopmind.uncertainty import LEVEL, paired_gain

__all__ = ["GRID", "ForecastEngine"]

GRID: Final = (
    0.01,
    0.025,
    0.05,
    0.1,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.75,
    0.8,
    0.9,
    0.95,
    0.975,
    0.99,
)
"""The quantiles stored at training; any quantile in [0.01, 0.99] is interpolated from them."""

HISTORY_PERIODS: Final = 182
"""Recent demand kept per series, to draw next to the forecast."""

Freq = Literal["D", "W"]


def _gain(ours: pd.Series, naive: pd.Series) -> dict[str, Any]:
    """The RMSSE reduction against seasonal naive (see `shopmind.quality.FORECAST_ERRORS`),
    with the interval from resampling series. Each series counts once here (its RMSSE averaged
    over the windows), while the overall RMSSE in `models` averages every (series, window)
    pair, so the two can differ slightly."""
    paired = pd.concat([ours.rename("ours"), naive.rename("naive")], axis=1, join="inner")
    try:
        percent, low, high = paired_gain(
            paired["ours"].to_numpy(), paired["naive"].to_numpy(), higher_is_better=False
        )
    except ValueError as error:
        return {"error": str(error)}
    return {
        "metric": "rmsse",
        "model": "shopmind",
        "baseline": "seasonal-naive",
        "percent": round(percent, 2),
        "low": round(low, 2),
        "high": round(high, 2),
        "level": LEVEL,
        "resampled": "series",
    }


class ForecastEngine:
    """Forecasts of every active product (and location), stored at training time."""

    name = "forecast"

    def __init__(
        self,
        *,
        freq: Freq = "D",
        horizon: int = 90,
        by_location: bool = True,
        test_periods: int = 28,
        n_windows: int = 2,
    ) -> None:
        self.freq = freq
        self.horizon = horizon
        self.by_location = by_location
        self.test_periods = test_periods
        self.n_windows = n_windows

    def _model(self) -> Forecaster:
        return LocalForecaster(freq=self.freq)

    def fit(self, shop: Shop, *, forecaster: Forecaster | None = None) -> Self:
        """Fit on `shop`; a distributed trainer may pass its own `forecaster` (e.g. one that
        runs the same LocalForecaster per group of series on Spark) instead of `_model()`."""
        history = demand_frame(shop, freq=self.freq, by_location=self.by_location)
        return self.fit_history(history, forecaster=forecaster)

    def fit_history(self, history: pd.DataFrame, *, forecaster: Forecaster | None = None) -> Self:
        """Fit on a long demand frame (unique_id, ds, y) such as `demand_frame` builds, e.g.
        one cut at an earlier day for a backtest."""
        if self.horizon < 1:
            raise ValueError(f"horizon must be at least 1 period, not {self.horizon}")
        if history.empty:
            raise InsufficientDataError(
                "no product has sales to forecast: import orders and order lines"
            )
        model = (forecaster or self._model()).fit(history[[ID, TIME, TARGET]])
        forecast = model.predict(self.horizon, GRID)
        self.forecast_ = forecast.set_index(ID).sort_index()
        self.chosen_ = getattr(model, "chosen_", pd.DataFrame())
        self.inactive_: dict[str, str] = dict(history.attrs.get("inactive", {}))
        self.series_ = {str(s) for s in self.forecast_.index.unique()}
        recent = history.groupby(ID, sort=False).tail(HISTORY_PERIODS)
        self.history_ = recent[[ID, TIME, TARGET]].set_index(ID).sort_index()
        return self

    # --- answers ------------------------------------------------------------------------------

    def series_id(self, product_id: str, location: str | None = None) -> str:
        """The series of a product at a location (default: the default location, or the
        product's only series); NotFoundError naming why there is none."""
        if not self.by_location:
            key = product_id
        else:
            key = f"{product_id}@{location or DEFAULT_LOCATION}"
            if location is None and key not in self.series_:
                mine = sorted(s for s in self.series_ if s.split("@", 1)[0] == product_id)
                key = mine[0] if len(mine) == 1 else key
        if key in self.series_:
            return key
        reason = self.inactive_.get(key)
        if reason:
            raise NotFoundError(f"product {product_id!r} is not forecast: {reason}")
        raise NotFoundError(f"no demand history for product {product_id!r} to forecast")

    def forecast(
        self,
        product_id: str,
        *,
        location: str | None = None,
        h: int = 28,
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    ) -> pd.DataFrame:
        """ds, mean and one column per quantile for the next `h` periods of one product."""
        if not 1 <= h <= self.horizon:
            raise ValueError(f"h must be within 1 and {self.horizon} periods, not {h}")
        qs = check_quantiles(quantiles)
        if qs[0] < GRID[0] or qs[-1] > GRID[-1]:
            raise ValueError(f"quantiles must lie within {GRID[0]} and {GRID[-1]}, not {list(qs)}")
        rows = self.forecast_.loc[[self.series_id(product_id, location)]].head(h)
        grid = rows[[quantile_column(q) for q in GRID]].to_numpy(np.float64)
        out = pd.DataFrame({TIME: rows[TIME].to_numpy(), "mean": rows["mean"].to_numpy()})
        for q in qs:
            out[quantile_column(q)] = [np.interp(q, GRID, row) for row in grid]
        return out

    def history(
        self,
        product_id: str,
        *,
        location: str | None = None,
        periods: int = 90,
        fallback: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """ds and y of the newest `periods` periods of demand the forecast starts from. An engine
        trained before the history was kept reads `fallback` (the same layout: indexed by
        series, e.g. the inventory engine's daily history), else answers an empty frame."""
        if periods < 1:
            raise ValueError(f"periods must be at least 1, not {periods}")
        series = self.series_id(product_id, location)
        kept: pd.DataFrame | None = getattr(self, "history_", fallback)
        if kept is None or series not in kept.index:
            return pd.DataFrame({TIME: pd.Series(dtype="datetime64[ns]"), TARGET: []})
        return kept.loc[[series], [TIME, TARGET]].tail(periods).reset_index(drop=True)

    def summary(self, h: int = 28) -> pd.DataFrame:
        """One row per forecast series: series, product_id, location, model, demand_class and
        the expected demand over the next `h` periods, highest first."""
        ahead = self.forecast_.groupby(level=0, sort=False)["mean"].apply(
            lambda rows: float(rows.head(h).sum())
        )
        frame = pd.DataFrame({"series": ahead.index.astype(str), "expected": ahead.to_numpy()})
        parts = frame["series"].str.split("@", n=1, expand=True)
        frame["product_id"] = parts[0]
        frame["location"] = parts[1] if parts.shape[1] > 1 else None
        chosen = self.chosen_
        for column in ("model", "demand_class"):
            values = chosen[column] if column in chosen.columns else pd.Series(dtype=object)
            frame[column] = frame["series"].map(values.astype(str).to_dict())
        frame = frame.sort_values(["expected", "series"], ascending=[False, True])
        return frame.reset_index(drop=True)

    # --- evaluation ---------------------------------------------------------------------------

    def evaluate(self, shop: Shop, **_: Any) -> dict[str, Any]:
        """Backtest the forecaster and seasonal naive on the newest `test_periods` periods
        (`n_windows` rolling origins): MASE, RMSSE, WAPE, bias, pinball and coverage."""
        history = demand_frame(shop, freq=self.freq, by_location=self.by_location)
        if history.empty:
            raise InsufficientDataError("no product has sales to forecast")
        season = 7 if self.freq == "D" else 52
        h = min(self.test_periods, self.horizon)
        results: dict[str, Any] = {
            "freq": self.freq,
            "h": h,
            "windows": self.n_windows,
            "series": int(history[ID].nunique()),
        }
        models: dict[str, dict[str, float]] = {}
        per_series: dict[str, pd.Series] = {}
        for name, make in (("shopmind", self._model), ("seasonal-naive", self._naive)):
            run = backtest(
                make(),
                history[[ID, TIME, TARGET]],
                h=h,
                n_windows=self.n_windows,
                quantiles=(0.1, 0.5, 0.9),
                season=season,
            )
            models[name] = {k: round(float(v), 4) for k, v in run.metrics.items()}
            per_series[name] = run.per_series.set_index(ID)["rmsse"]
        results["models"] = models
        results["gain"] = _gain(per_series["shopmind"], per_series["seasonal-naive"])
        return results

    def _naive(self) -> Forecaster:
        return LocalForecaster(freq=self.freq, models="SeasonalNaive")
