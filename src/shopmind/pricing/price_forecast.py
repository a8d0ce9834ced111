"""Price forecasting: a product's (or a market's) price from its history, trend and season.

Prices are smooth, positive and never intermittent, so `PriceForecaster` skips the demand
classes of `LocalForecaster` and works on log prices (forecasts and intervals stay positive,
changes are relative). Per series it backtests a set of statsforecast models on the history
alone and then either picks the best one (`method="select"`) or averages the `top_k` best
(`method="combine"`, the default: combinations of a few good models are the classic winners
of the M competitions and are less at the mercy of a lucky backtest than a single pick).

Candidates (`models`, names of `CANDIDATES`)
    Naive (last value), SeasonalNaive (same period last season), AutoETS (season
    `season_length` up to 24, else non-seasonal: statsforecast's ETS fits no longer season),
    AutoTheta (season `season_length`, seasonally adjusted by classical decomposition when its
    test finds a season), AutoARIMA (season up to 24, else non-seasonal), MSTL (season
    `season_length` by STL, trend by AutoETS ZZN) and RWD (random walk with drift). SeasonalNaive
    and MSTL are only offered for series whose training part covers two seasons.

Backtest
    `n_windows` consecutive windows of h periods at the end of each series (rolling origin,
    statsforecast's cross_validation, step h); the score is the mean absolute error of log
    prices over every window and step. Series too short for the windows (fewer than
    `n_windows * h + min_train` periods) get the `fallback` model (AutoETS), and series of
    fewer than 12 periods the Naive forecast. AutoARIMA is a candidate but not a default one: its
    seasonal search took ~20 s per short monthly series here (statsforecast 2.0.3).

Forecasts and intervals
    `mean` is exp of the (combined) forecast of the log price: the median price, which is what a
    shop expects to see. Quantile q comes from each model's native interval at level
    100 |1 - 2q| on the log scale, averaged over the combined models (quantile averaging) and
    exponentiated, then made monotone in q (an undefined interval falls back to the mean).
    `chosen_` records per series the models used and the best backtest error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, Self

import numpy as np
import pandas as pd

from shopmind.forecast.base import (
    DEFAULT_QUANTILES,
    ID,
    TARGET,
    TIME,
    check_prediction,
    quantile_column,
    typed_history,
)
from shopmind.forecast.local import (
    _aligned_freq,
    _check_contiguous,
    _level,
    default_season_length,
)

__all__ = ["CANDIDATES", "DEFAULT_CANDIDATES", "PriceForecaster", "candidate_model"]

CANDIDATES: Final = (
    "Naive",
    "SeasonalNaive",
    "AutoETS",
    "AutoTheta",
    "AutoARIMA",
    "MSTL",
    "RWD",
)
SEASONAL: Final = frozenset({"SeasonalNaive", "MSTL"})
DEFAULT_CANDIDATES: Final = ("Naive", "AutoETS", "AutoTheta", "MSTL")
MIN_FALLBACK: Final = 12  # shorter series get Naive: AutoETS refuses tiny datasets
ETS_MAX_SEASON: Final = 24


def candidate_model(name: str, season_length: int) -> Any:
    """The statsforecast model behind a candidate name (its alias is the name)."""
    from statsforecast import models as sfm

    m = season_length
    short = m if m <= ETS_MAX_SEASON else 1
    makers: dict[str, Callable[[], Any]] = {
        "Naive": lambda: sfm.Naive(alias=name),
        "SeasonalNaive": lambda: sfm.SeasonalNaive(season_length=m, alias=name),
        "AutoETS": lambda: sfm.AutoETS(season_length=short, alias=name),
        "AutoTheta": lambda: sfm.AutoTheta(season_length=m, alias=name),
        "AutoARIMA": lambda: sfm.AutoARIMA(season_length=short, alias=name),
        "MSTL": lambda: sfm.MSTL(
            season_length=m, trend_forecaster=sfm.AutoETS(model="ZZN"), alias=name
        ),
        "RWD": lambda: sfm.RandomWalkWithDrift(alias=name),
    }
    if name not in makers:
        raise ValueError(f"unknown price model {name!r}; choose from {list(CANDIDATES)}")
    return makers[name]()


class PriceForecaster:
    """Backtested selection or combination of statsforecast models on log prices."""

    def __init__(
        self,
        freq: str = "W",
        season_length: int | None = None,
        models: Sequence[str] = DEFAULT_CANDIDATES,
        method: Literal["combine", "select"] = "combine",
        top_k: int = 3,
        n_windows: int = 2,
        min_train: int | None = None,
        fallback: str = "AutoETS",
        n_jobs: int = 1,
    ) -> None:
        self.freq = freq
        self.season_length = (
            default_season_length(freq) if season_length is None else int(season_length)
        )
        if self.season_length < 1:
            raise ValueError("season_length must be 1 or more")
        self.models = tuple(models)
        if not self.models:
            raise ValueError("give at least one candidate model")
        for name in (*self.models, fallback):
            if name not in CANDIDATES:
                raise ValueError(f"unknown price model {name!r}; choose from {list(CANDIDATES)}")
        if method not in ("combine", "select"):
            raise ValueError(f"method is 'combine' or 'select', not {method!r}")
        if top_k < 1:
            raise ValueError("top_k must be 1 or more")
        if n_windows < 1:
            raise ValueError("n_windows must be 1 or more")
        self.method = method
        self.top_k = top_k
        self.n_windows = n_windows
        self.min_train = min_train if min_train is not None else 8
        self.fallback = fallback
        self.n_jobs = n_jobs
        self.freq_ = freq
        self._history: pd.DataFrame | None = None
        self.chosen_ = pd.DataFrame(columns=["models", "backtest_mae", "n_periods"])

    def fit(self, df: pd.DataFrame) -> Self:
        history = typed_history(df)
        bad = history.loc[~(history[TARGET] > 0), ID]
        if not bad.empty:
            raise ValueError(
                f"prices must be positive; series {bad.iloc[0]} has a zero or negative price"
            )
        history = history.sort_values([ID, TIME], kind="stable").reset_index(drop=True)
        self.freq_ = _aligned_freq(self.freq, history[TIME])
        _check_contiguous(history, self.freq_)
        history[TARGET] = np.log(history[TARGET])
        self._history = history
        return self

    # selection ----------------------------------------------------------------------------

    def _candidates(self, n_train: int) -> tuple[str, ...]:
        """The models a series with `n_train` periods before its backtest can use."""
        m = self.season_length
        return tuple(
            name for name in self.models if name not in SEASONAL or m == 1 or n_train >= 2 * m
        )

    def _select(self, history: pd.DataFrame, h: int) -> dict[str, tuple[list[str], float]]:
        """Per series the models to combine (best first) and the best backtest MAE."""
        sizes = history.groupby(ID).size()
        n_train = sizes - self.n_windows * h
        chosen: dict[str, tuple[list[str], float]] = {}
        groups: dict[tuple[str, ...], list[str]] = {}
        for uid, n, size in zip(n_train.index, n_train.to_numpy(), sizes.to_numpy(), strict=True):
            names = self._candidates(int(n))
            if int(size) < MIN_FALLBACK:
                chosen[str(uid)] = (["Naive"], float("nan"))
            elif int(n) < self.min_train or not names:
                chosen[str(uid)] = ([self.fallback], float("nan"))
            elif len(names) == 1:
                chosen[str(uid)] = ([names[0]], float("nan"))
            else:
                groups.setdefault(names, []).append(str(uid))
        keep = 1 if self.method == "select" else self.top_k
        for names, ids in groups.items():
            part = history[history[ID].isin(set(ids))]
            cv = self._sf(list(names)).cross_validation(
                df=part, h=h, n_windows=self.n_windows, step_size=h
            )
            errors = pd.DataFrame({name: (cv[name] - cv[TARGET]).abs() for name in names})
            mae = errors.groupby(cv[ID].astype(str).to_numpy()).mean()
            for uid, row in mae.iterrows():
                ranked = row.dropna().sort_values(kind="stable")
                if ranked.empty:
                    chosen[str(uid)] = ([self.fallback], float("nan"))
                else:
                    chosen[str(uid)] = (
                        [str(k) for k in ranked.index[:keep]],
                        float(ranked.iloc[0]),
                    )
        return chosen

    # predicting ---------------------------------------------------------------------------

    def predict(
        self,
        h: int,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        future: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        history, qs = check_prediction(self._history, h, quantiles)
        if future is not None:
            wanted = set(pd.unique(future[ID].astype(str)))
            unknown = sorted(wanted - set(history[ID]))
            if unknown:
                raise ValueError(f"no price history for the series {', '.join(unknown[:10])}")
            history = history[history[ID].isin(wanted)]
        chosen = self._select(history, h)
        ids = sorted(chosen)
        self.chosen_ = pd.DataFrame(
            {
                "models": [", ".join(chosen[u][0]) for u in ids],
                "backtest_mae": [chosen[u][1] for u in ids],
                "n_periods": history.groupby(ID).size().reindex(ids).to_numpy(),
            },
            index=pd.Index(ids, name=ID),
        )
        levels = sorted({_level(q) for q in qs if _level(q) > 0})
        qcols = [quantile_column(q) for q in qs]
        total: pd.DataFrame | None = None
        for name in sorted({n for names, _ in chosen.values() for n in names}):
            members = {u for u, (names, _) in chosen.items() if name in names}
            part = history[history[ID].isin(members)]
            raw = self._sf([name]).forecast(df=part, h=h, level=levels or None)
            frame = pd.DataFrame({ID: raw[ID].astype(str), TIME: raw[TIME]})
            frame["mean"] = raw[name].to_numpy()
            for q, col in zip(qs, qcols, strict=True):
                lv = _level(q)
                side = "lo" if q < 0.5 else "hi"
                frame[col] = raw[name] if lv == 0 else raw[f"{name}-{side}-{lv}"]
            weight = frame[ID].map({u: 1.0 / len(chosen[u][0]) for u in members})
            values = frame[["mean", *qcols]]
            # an undefined interval counts as the model's own mean
            values = values.fillna({c: values["mean"] for c in qcols})
            frame[["mean", *qcols]] = values.mul(weight, axis=0)
            frame = frame.set_index([ID, TIME])
            total = frame if total is None else total.add(frame, fill_value=0.0)
        assert total is not None
        out = total.reset_index()
        logs = out[["mean", *qcols]].to_numpy(dtype=np.float64)
        prices = np.exp(logs)
        out["mean"] = prices[:, 0]
        out[qcols] = np.maximum.accumulate(prices[:, 1:], axis=1)
        return out[[ID, TIME, "mean", *qcols]].sort_values([ID, TIME]).reset_index(drop=True)

    def _sf(self, names: list[str]) -> Any:
        from statsforecast import StatsForecast

        return StatsForecast(
            models=[candidate_model(n, self.season_length) for n in names],
            freq=self.freq_,
            n_jobs=self.n_jobs,
        )
