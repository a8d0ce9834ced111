"""Local forecasters: one statsforecast model per series, chosen by its demand class.

`LocalForecaster` classifies every series (Syntetos-Boylan, see classify.py) and fits one model
per series with statsforecast:

* smooth and erratic series: AutoETS (season `season_length`); MSTL with an AutoETS trend when
  the season is longer than ETS handles (> 24 periods, e.g. 52 weeks) and the series covers two
  seasons; SeasonalNaive for series shorter than two seasons (Naive below one season).
* intermittent series: CrostonSBA (the bias-corrected Croston); lumpy series: TSB (alpha_d =
  alpha_p = 0.1, which also decays towards zero when a product stops selling).
* series without any demand ("none"): a zero forecast (all quantiles 0).

`models` can override this: one model name for every series, or a mapping class -> model name.

Quantiles
    Models with native intervals (AutoETS, MSTL, SeasonalNaive, Naive, HistoricAverage) give the
    quantile q through the level 100 * |1 - 2q| interval (lo for q < 0.5, hi for q > 0.5, the
    mean for q = 0.5). Intermittent models have none, so they are calibrated conformally on the
    last `n_windows` windows of the history, as statsforecast's ConformalIntervals(h,
    n_windows) does, but with the signed errors of every window and step pooled per series:
    quantile q = mean + the q-quantile of (actual - forecast). statsforecast's own conformal
    intervals are symmetric and use n_windows errors per step; on simulated Bernoulli x Poisson
    demand their 80% intervals covered ~60% of held-out values, the pooled ones ~the rate of the
    true quantiles. The windows are min(h, (n - 1) // n_windows) periods long; when that is under
    `min_calibration` periods (a short series), or a native interval rests on fewer than
    `min_calibration` periods or is undefined, the rule falls back to Poisson quantiles around
    the mean.
    Then: a series whose history is whole numbers (unit counts) gets whole-number quantiles
    (rounded to the nearest unit: a quantile of a count is a count), every quantile and the mean
    are clipped at 0, and quantiles are made monotone in q.

History is taken as it comes: each series must be contiguous at `freq` (fill gaps with 0, as
`series.demand_frame` does); negative values are treated as 0. Exogenous columns are ignored by
these models; `predict(future=...)` only selects the series to forecast. `chosen_` records per
series the class, the model and (after predict) how its quantiles were made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Self

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from shopmind.errors import InsufficientDataError
from shopmind.forecast.base import (
    DEFAULT_QUANTILES,
    ID,
    TARGET,
    TIME,
    check_prediction,
    quantile_column,
    typed_history,
)
from shopmind.forecast.classify import NO_DEMAND, demand_classes

__all__ = [
    "CALIBRATED_MODELS",
    "DEFAULT_MODELS",
    "NATIVE_MODELS",
    "LocalForecaster",
    "default_season_length",
]

NATIVE_MODELS: Final = frozenset({"AutoETS", "MSTL", "SeasonalNaive", "Naive", "HistoricAverage"})
CALIBRATED_MODELS: Final = frozenset(
    {"CrostonSBA", "CrostonClassic", "CrostonOptimized", "TSB", "ADIDA", "IMAPA"}
)
ZERO: Final = "Zero"
DEFAULT_MODELS: Final[Mapping[str, str]] = {
    "smooth": "AutoETS",
    "erratic": "AutoETS",
    "intermittent": "CrostonSBA",
    "lumpy": "TSB",
    NO_DEMAND: ZERO,
}
ETS_MAX_SEASON: Final = 24  # statsforecast's ETS fits no season longer than this

Floats = NDArray[np.float64]


def default_season_length(freq: str) -> int:
    """7 for daily data, 52 for weekly, 12 for monthly, 1 otherwise."""
    offset = pd.tseries.frequencies.to_offset(freq)
    name = offset.rule_code.split("-")[0]
    return {"D": 7, "B": 5, "W": 52, "MS": 12, "ME": 12, "M": 12}.get(name, 1)


class LocalForecaster:
    """One statsforecast model per series, picked by demand class (see the module docstring)."""

    def __init__(
        self,
        season_length: int | None = None,
        freq: str = "D",
        models: str | Mapping[str, str] = "auto",
        n_windows: int = 2,
        n_jobs: int = 1,
        min_calibration: int = 7,
    ) -> None:
        self.freq = freq
        self.season_length = (
            default_season_length(freq) if season_length is None else int(season_length)
        )
        if self.season_length < 1:
            raise ValueError("season_length must be 1 or more")
        if n_windows < 2:
            raise ValueError("n_windows must be 2 or more (conformal calibration)")
        self.models = models
        self.n_windows = n_windows
        self.n_jobs = n_jobs
        self.min_calibration = min_calibration
        self._models = _model_map(models)
        self._history: pd.DataFrame | None = None
        self.freq_: str = freq
        self.chosen_: pd.DataFrame = pd.DataFrame(
            columns=["demand_class", "model", "n_periods", "intervals"]
        )

    # fitting ------------------------------------------------------------------------------

    def fit(self, df: pd.DataFrame) -> Self:
        history = typed_history(df)
        history[TARGET] = history[TARGET].clip(lower=0.0)
        history = history.sort_values([ID, TIME], kind="stable").reset_index(drop=True)
        self.freq_ = _aligned_freq(self.freq, history[TIME])
        _check_contiguous(history, self.freq_)
        classes = demand_classes(history)
        self.chosen_ = pd.DataFrame(
            {
                "demand_class": classes["class"],
                "model": [
                    self._choose(c, int(n))
                    for c, n in zip(classes["class"], classes["n_periods"], strict=True)
                ],
                "n_periods": classes["n_periods"],
                "intervals": "",
            },
            index=classes.index,
        )
        self._history = history
        return self

    def _choose(self, demand_class: str, n: int) -> str:
        if demand_class == NO_DEMAND:
            return ZERO
        name = self._models.get(demand_class, DEFAULT_MODELS[demand_class])
        if name != "AutoETS" or self.models != "auto":
            return name
        m = self.season_length
        if m > 1 and n < 2 * m:
            return "SeasonalNaive" if n >= m else "Naive"  # too short for a seasonal fit
        if m > ETS_MAX_SEASON:
            return "MSTL"
        return "AutoETS"

    # predicting ---------------------------------------------------------------------------

    def predict(
        self,
        h: int,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        future: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        history, qs = check_prediction(self._history, h, quantiles)
        chosen = self.chosen_
        if future is not None:
            wanted = pd.unique(future[ID].astype(str))
            unknown = [u for u in wanted if u not in chosen.index]
            if unknown:
                raise InsufficientDataError(
                    f"no history for the series {', '.join(map(str, unknown[:10]))}"
                    + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
                    + ": a local model needs past demand of the series it forecasts"
                )
            chosen = chosen.loc[list(wanted)]
            history = history[history[ID].isin(set(wanted))]
        parts: list[pd.DataFrame] = []
        how: dict[str, str] = {}
        for name, ids in chosen.groupby("model", sort=True).groups.items():
            part = history[history[ID].isin(set(map(str, ids)))]
            frame, rules = self._forecast_group(str(name), part, h, qs)
            parts.append(frame)
            how.update(rules)
        self.chosen_.loc[list(how), "intervals"] = pd.Series(how)
        out = pd.concat(parts, ignore_index=True)
        return self._finish(out, qs)

    def _forecast_group(
        self, name: str, history: pd.DataFrame, h: int, qs: tuple[float, ...]
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        """Forecast one model's series: mean and quantile columns, and the interval rule used."""
        ids = pd.unique(history[ID])
        if name == ZERO:
            frame = self._future_index(history, h)
            frame["mean"] = 0.0
            for q in qs:
                frame[quantile_column(q)] = 0.0
            return frame, dict.fromkeys(map(str, ids), "zero")
        if name in NATIVE_MODELS:
            return self._native(name, history, h, qs)
        return self._calibrated(name, history, h, qs)

    def _native(
        self, name: str, history: pd.DataFrame, h: int, qs: tuple[float, ...]
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        levels = sorted({_level(q) for q in qs if _level(q) > 0})
        raw = self._sf(name).forecast(df=history, h=h, level=levels or None)
        raw = raw.rename(columns={name: "mean"})
        frame = raw[[ID, TIME, "mean"]].copy()
        for q in qs:
            lv = _level(q)
            if lv == 0:
                frame[quantile_column(q)] = raw["mean"]
            else:
                side = "lo" if q < 0.5 else "hi"
                frame[quantile_column(q)] = raw[f"{name}-{side}-{lv}"]
        # undefined intervals (Naive on one observation) or too few residuals: Poisson
        qcols = [quantile_column(q) for q in qs]
        short = history.groupby(ID).size() < self.min_calibration
        broken = frame[qcols].isna().any(axis=1).groupby(frame[ID]).transform("any")
        broken |= frame[ID].map(short).fillna(False).astype(bool)
        rules = {str(u): "native" for u in pd.unique(frame[ID])}
        if broken.any():
            frame.loc[broken, qcols] = _poisson(frame.loc[broken, "mean"].to_numpy(), qs)
            rules.update(dict.fromkeys(map(str, pd.unique(frame.loc[broken, ID])), "poisson"))
        return frame, rules

    def _calibrated(
        self, name: str, history: pd.DataFrame, h: int, qs: tuple[float, ...]
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        sf = self._sf(name)
        raw = sf.forecast(df=history, h=h).rename(columns={name: "mean"})
        frame = raw[[ID, TIME, "mean"]].copy()
        qcols = [quantile_column(q) for q in qs]
        for col in qcols:
            frame[col] = np.nan
        sizes = history.groupby(ID).size()
        window = ((sizes - 1) // self.n_windows).clip(upper=h)
        rules: dict[str, str] = {}
        for length, ids in window.groupby(window).groups.items():
            w, keys = int(str(length)), set(map(str, ids))
            rows = frame[ID].isin(keys).to_numpy()
            if w < self.min_calibration:
                frame.loc[rows, qcols] = _poisson(frame.loc[rows, "mean"].to_numpy(), qs)
                rules.update(dict.fromkeys(keys, "poisson"))
                continue
            cv = sf.cross_validation(
                df=history[history[ID].isin(keys)],
                h=w,
                n_windows=self.n_windows,
                step_size=w,
            )
            errors = (cv[TARGET] - cv[name]).groupby(cv[ID].astype(str))
            shift = pd.DataFrame({quantile_column(q): errors.quantile(q) for q in qs})
            offsets = shift.reindex(frame.loc[rows, ID].astype(str)).to_numpy()
            frame.loc[rows, qcols] = frame.loc[rows, ["mean"]].to_numpy() + offsets
            rules.update(dict.fromkeys(keys, "conformal"))
        return frame, rules

    def _finish(self, out: pd.DataFrame, qs: tuple[float, ...]) -> pd.DataFrame:
        """Round quantiles of count series, clip at 0 and make them monotone in q."""
        assert self._history is not None
        qcols = [quantile_column(q) for q in qs]
        out[ID] = out[ID].astype(str)
        y = self._history[TARGET]
        counts = (y == np.round(y)).groupby(self._history[ID]).all()
        values = out[qcols].to_numpy(dtype=np.float64)
        whole = out[ID].map(counts).fillna(False).to_numpy(dtype=bool)
        values[whole] = np.round(values[whole])
        values = np.maximum.accumulate(np.clip(values, 0.0, None), axis=1)
        out[qcols] = values
        out["mean"] = out["mean"].clip(lower=0.0)
        out = out[[ID, TIME, "mean", *qcols]]
        return out.sort_values([ID, TIME], kind="stable").reset_index(drop=True)

    # statsforecast plumbing ---------------------------------------------------------------

    def _sf(self, name: str) -> Any:
        from statsforecast import StatsForecast

        return StatsForecast(models=[self._model(name)], freq=self.freq_, n_jobs=self.n_jobs)

    def _model(self, name: str) -> Any:
        from statsforecast import models as sfm

        m = self.season_length
        if name == "AutoETS":
            return sfm.AutoETS(season_length=m if m <= ETS_MAX_SEASON else 1)
        if name == "MSTL":
            return sfm.MSTL(season_length=m, trend_forecaster=sfm.AutoETS(model="ZZN"))
        if name == "SeasonalNaive":
            return sfm.SeasonalNaive(season_length=m)
        if name == "TSB":
            return sfm.TSB(alpha_d=0.1, alpha_p=0.1)
        if name in NATIVE_MODELS or name in CALIBRATED_MODELS:
            return getattr(sfm, name)()
        raise ValueError(f"unknown model {name!r}")

    def _future_index(self, history: pd.DataFrame, h: int) -> pd.DataFrame:
        offset = pd.tseries.frequencies.to_offset(self.freq_)
        last = history.groupby(ID)[TIME].max()
        frames = [
            pd.DataFrame({ID: str(uid), TIME: pd.date_range(end + offset, periods=h, freq=offset)})
            for uid, end in last.items()
        ]
        return pd.concat(frames, ignore_index=True)


def _model_map(models: str | Mapping[str, str]) -> dict[str, str]:
    """The class -> model mapping that `models` asks for (validated)."""
    known = NATIVE_MODELS | CALIBRATED_MODELS | {ZERO}
    if isinstance(models, str):
        if models == "auto":
            return dict(DEFAULT_MODELS)
        mapping = {c: models for c in DEFAULT_MODELS if c != NO_DEMAND}
    else:
        mapping = dict(models)
    unknown = sorted(set(mapping.values()) - known)
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; choose from {sorted(known)}")
    return {**DEFAULT_MODELS, **mapping}


def _level(q: float) -> int | float:
    """The interval level whose lower (q < 0.5) or upper (q > 0.5) end is quantile q."""
    level = round(100.0 * abs(1.0 - 2.0 * q), 6)
    return int(level) if level == int(level) else level


def _poisson(mean: Floats, qs: tuple[float, ...]) -> Floats:
    """Poisson quantiles around each mean: the fallback when no interval can be calibrated."""
    mu = np.clip(np.nan_to_num(np.asarray(mean, dtype=np.float64)), 0.0, None)
    return np.column_stack([stats.poisson.ppf(q, mu) for q in qs]).astype(np.float64)


def _aligned_freq(freq: str, ds: pd.Series) -> str:
    """`freq` as an alias whose anchor the dates sit on: weekly data on Fridays with freq 'W'
    becomes 'W-FRI'. ValueError when the dates do not fit the frequency."""
    offset = pd.tseries.frequencies.to_offset(freq)
    dates = pd.DatetimeIndex(pd.unique(ds))
    weekday = getattr(offset, "weekday", None)
    if isinstance(offset, pd.offsets.Week) and weekday is not None:
        weekdays = np.unique(dates.day_of_week)
        if len(weekdays) != 1:
            raise ValueError(f"weekly data must fall on one weekday; these fall on {weekdays}")
        if weekdays[0] != weekday:
            offset = pd.offsets.Week(weekday=int(weekdays[0]))
    elif not all(offset.is_on_offset(d) for d in dates[:1000]):
        raise ValueError(f"the dates do not fall on the frequency {freq!r}")
    return str(offset.freqstr)


def _check_contiguous(history: pd.DataFrame, freq: str) -> None:
    """ValueError naming the first series with missing periods."""
    offset = pd.tseries.frequencies.to_offset(freq)
    bounds = history.groupby(ID)[TIME].agg(["min", "max", "size"])
    step = pd.Timedelta(days=7) if isinstance(offset, pd.offsets.Week) else None
    if step is None and isinstance(offset, pd.offsets.Tick):
        step = pd.Timedelta(offset)
    for uid, row in bounds.iterrows():
        if step is not None:
            expected = int((row["max"] - row["min"]) / step) + 1
        else:
            expected = len(pd.date_range(row["min"], row["max"], freq=offset))
        if expected != row["size"]:
            raise ValueError(
                f"series {uid} has {expected - int(row['size'])} missing period(s) at {freq}; "
                "fill gaps with 0 (series.demand_frame does)"
            )
