"""An ensemble that picks, per series or overall, the member or combination that backtests best.

`Ensemble` implements the `Forecaster` contract over named members (factories of Forecasters).
At fit time it runs its own rolling-origin backtest (`shopmind.forecast.backtest`) of every
member on the training history only: `n_windows` windows of `h` periods at the end of it.
From the members' out-of-sample forecasts it also scores, at no extra fitting cost, the
combinations of them:

* `average`: the equal-weight average of the members' means and of each quantile column;
* `weighted`: the average weighted by the inverse of each member's overall backtest score;
* `median`: the element-wise median (only with three or more members).

Averaging (or taking the median of) quantile forecasts that are monotone in q keeps them
monotone, so combined quantiles never cross.

With `selection="per-series"` every series gets the candidate with the lowest backtest score
on that series (`metric`: MASE by default; ties go to a single member, then to the earlier
candidate), so a combination is used exactly where it wins; series without a scored window
(too short, or absent from the windows) get the best candidate overall. With
`selection="global"` all series get the best candidate overall. Then the members the choices
need are refitted on the whole history. `chosen_` maps each series to its candidate's name,
`scores_` holds the per-series backtest scores of every candidate and `overall_` the overall
ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, Self

import numpy as np
import pandas as pd

from shopmind.forecast.backtest import (
    CUTOFF,
    Backtest,
    ModelSpec,
    backtest,
    make_model,
    score_frame,
    series_scores,
)
from shopmind.forecast.base import (
    DEFAULT_QUANTILES,
    ID,
    TARGET,
    TIME,
    Forecaster,
    check_history,
    check_quantiles,
)

__all__ = ["COMBINATIONS", "Ensemble"]

COMBINATIONS: Final = ("average", "weighted", "median")

Selection = Literal["per-series", "global"]
Metric = Literal["mase", "rmsse", "wape", "pinball"]


class Ensemble:
    """Best-of and combinations of forecasters, chosen by an inner backtest (module doc).

    members: name -> model (a class, a factory of no arguments, or an unfitted instance that
        is deep-copied per fit), at least one.
    h, n_windows, step: the inner backtest's horizon, number of windows and spacing (default
        `h`); use the horizon you will predict. Fewer windows are used when the history is
        too short for `n_windows`; none at all leaves the first member in charge.
    selection: "per-series" or "global". metric: "mase", "rmsse", "wape" or "pinball" (mean
        pinball loss over `quantiles`). season: the MASE / RMSSE seasonal period.
    combinations: which of "average", "weighted", "median" to consider.
    future_columns: exogenous columns of the history handed to members as `future` in the
        inner backtest (predict's own `future` is passed through unchanged).
    backtest_members: optional stand-ins for some members in the inner backtest only (same
        names), e.g. a cheaper variant without interval calibration when `metric` scores the
        mean alone; the members themselves are fitted for prediction.
    """

    def __init__(
        self,
        members: Mapping[str, ModelSpec],
        *,
        h: int = 8,
        n_windows: int = 2,
        step: int | None = None,
        selection: Selection = "per-series",
        metric: Metric = "mase",
        season: int = 1,
        combinations: Sequence[str] = COMBINATIONS,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        future_columns: Sequence[str] = (),
        backtest_members: Mapping[str, ModelSpec] | None = None,
    ) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if selection not in ("per-series", "global"):
            raise ValueError(f"selection must be 'per-series' or 'global', not {selection!r}")
        if metric not in ("mase", "rmsse", "wape", "pinball"):
            raise ValueError(f"unknown metric {metric!r}: choose mase, rmsse, wape or pinball")
        unknown = [c for c in combinations if c not in COMBINATIONS]
        if unknown:
            raise ValueError(f"unknown combination(s) {unknown}: choose from {COMBINATIONS}")
        clash = [name for name in members if name in COMBINATIONS]
        if clash:
            raise ValueError(f"member names {clash} clash with the combinations' names")
        if h < 1 or n_windows < 1:
            raise ValueError("h and n_windows must be at least 1")
        stray = sorted(set(backtest_members or {}) - set(members))
        if stray:
            raise ValueError(f"backtest_members {stray} are not members")
        self.members = dict(members)
        self.backtest_members = dict(backtest_members or {})
        self.h = h
        self.n_windows = n_windows
        self.step = step
        self.selection: Selection = selection
        self.metric: Metric = metric
        self.season = season
        self.combinations = tuple(combinations)
        self.quantiles = check_quantiles(quantiles)
        self.future_columns = tuple(future_columns)

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, df: pd.DataFrame) -> Self:
        check_history(df)
        names = list(self.members)
        self.backtests_: dict[str, Backtest] = {}
        windows = self._windows(df)
        if windows == 0 or len(names) == 1:
            self.scores_ = pd.DataFrame(columns=names)
            self.overall_: dict[str, float] = {}
            self.weights_: dict[str, float] = {name: float(name == names[0]) for name in names}
            self.best_ = names[0]
            self.chosen_ = {str(k): self.best_ for k in df[ID].unique()}
        else:
            for name, spec in self.members.items():
                self.backtests_[name] = backtest(
                    self.backtest_members.get(name, spec),
                    df,
                    h=self.h,
                    n_windows=windows,
                    step=self.step,
                    quantiles=self.quantiles,
                    season=self.season,
                    future_columns=self.future_columns,
                )
            self._select(df)
        needed = {part for choice in set(self.chosen_.values()) for part in self._parts(choice)}
        self.fitted_: dict[str, Forecaster] = {
            name: make_model(self.members[name]).fit(df) for name in names if name in needed
        }
        return self

    def _windows(self, df: pd.DataFrame) -> int:
        step = self.h if self.step is None else self.step
        dates = df[TIME].nunique()
        # A window needs h test dates and at least two dates to train on.
        return max(0, min(self.n_windows, (dates - self.h - 2) // step + 1))

    def _parts(self, choice: str) -> list[str]:
        if choice in COMBINATIONS:
            return [name for name, w in self.weights_.items() if w > 0 or choice != "weighted"]
        return [choice]

    def _select(self, df: pd.DataFrame) -> None:
        names = list(self.members)
        keys = [ID, TIME, CUTOFF]
        frames = {
            name: bt.forecasts.set_index(keys).sort_index() for name, bt in self.backtests_.items()
        }
        common = frames[names[0]].index
        for name in names[1:]:
            common = common.intersection(frames[name].index)
        frames = {name: frame.loc[common] for name, frame in frames.items()}
        scales = self.backtests_[names[0]].scales
        values = [c for c in frames[names[0]].columns if c != TARGET]
        member_overall = {
            name: score_frame(frame.reset_index(), scales, quantiles=self.quantiles)
            for name, frame in frames.items()
        }
        member_score = {name: _overall(member_overall[name], self.metric) for name in names}
        inverse = {n: 1.0 / s if np.isfinite(s) and s > 0 else 0.0 for n, s in member_score.items()}
        total = sum(inverse.values())
        self.weights_ = (
            {n: v / total for n, v in inverse.items()}
            if total > 0
            else {n: 1.0 / len(names) for n in names}
        )
        candidates: dict[str, pd.DataFrame] = {name: frames[name] for name in names}
        for combination in self.combinations:
            if combination == "median" and len(names) < 3:
                continue
            combined = _combine([frames[n][values] for n in names], combination, self.weights_)
            combined[TARGET] = frames[names[0]][TARGET]
            candidates[combination] = combined
        scores = {
            name: series_scores(frame.reset_index(), scales, self.metric)
            for name, frame in candidates.items()
        }
        self.scores_ = pd.DataFrame(scores)
        self.overall_ = {
            name: _overall(
                score_frame(frame.reset_index(), scales, quantiles=self.quantiles), self.metric
            )
            for name, frame in candidates.items()
        }
        finite = {n: s for n, s in self.overall_.items() if np.isfinite(s)}
        self.best_ = min(finite, key=lambda n: finite[n]) if finite else names[0]
        series = [str(k) for k in df[ID].unique()]
        if self.selection == "global":
            self.chosen_ = dict.fromkeys(series, self.best_)
            return
        table = self.scores_.dropna(how="all")
        # idxmin takes the first minimum: members come before combinations.
        picks = table.fillna(np.inf).idxmin(axis=1)
        chosen = {str(k): str(v) for k, v in picks.items()}
        self.chosen_ = {key: chosen.get(key, self.best_) for key in series}

    # -- prediction ---------------------------------------------------------------------------

    def predict(
        self,
        h: int,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        future: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        if not hasattr(self, "fitted_"):
            raise RuntimeError("fit the ensemble before predicting")
        qs = check_quantiles(quantiles)
        keys = [ID, TIME]
        outputs = {
            name: model.predict(h, qs, future).set_index(keys).sort_index()
            for name, model in self.fitted_.items()
        }
        columns = [c for c in next(iter(outputs.values())).columns]
        choices = pd.Series(self.chosen_, name="_choice")
        pieces = []
        for choice, ids in choices.groupby(choices).groups.items():
            parts = self._parts(str(choice))
            if str(choice) in COMBINATIONS:
                aligned = _align([outputs[p][columns] for p in parts])
                frame = _combine(aligned, str(choice), {p: self.weights_[p] for p in parts})
            else:
                frame = outputs[str(choice)][columns]
            wanted = frame.index.get_level_values(ID).astype(str).isin(set(map(str, ids)))
            pieces.append(frame[wanted])
        result = pd.concat(pieces).reset_index()
        return result.sort_values(keys, ignore_index=True)

    def get_params(self) -> dict[str, Any]:
        """The constructor's settings (for notes and reports)."""
        return {
            "members": list(self.members),
            "h": self.h,
            "n_windows": self.n_windows,
            "step": self.step,
            "selection": self.selection,
            "metric": self.metric,
            "season": self.season,
            "combinations": list(self.combinations),
            "backtest_members": list(self.backtest_members),
        }


def _overall(scores: dict[str, float], metric: str) -> float:
    return float(scores["pinball"] if metric == "pinball" else scores[metric])


def _align(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    common = frames[0].index
    for frame in frames[1:]:
        common = common.intersection(frame.index)
    return [frame.loc[common] for frame in frames]


def _combine(frames: list[pd.DataFrame], how: str, weights: Mapping[str, float]) -> pd.DataFrame:
    """Element-wise mean, weighted mean or median of aligned frames with the same columns."""
    stack = np.stack([frame.to_numpy(np.float64) for frame in frames])
    if how == "average":
        values = stack.mean(axis=0)
    elif how == "weighted":
        w = np.asarray(list(weights.values()), dtype=np.float64)
        w = w / w.sum() if w.sum() > 0 else np.full(len(frames), 1.0 / len(frames))
        values = np.tensordot(w, stack, axes=1)
    else:
        values = np.median(stack, axis=0)
    return pd.DataFrame(values, index=frames[0].index, columns=frames[0].columns)
