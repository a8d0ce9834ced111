"""BG/NBD with a learned correction: purchase counts that use more than frequency, recency and age.

`BoostedBGNBD` predicts a customer's purchases in the next `t` periods as

    E[Y(t) | x, t_x, T] * exp(f(features)),

the BG/NBD conditional expectation (`shopmind.marketing.clv.BGNBD`, Fader, Hardie & Lee 2005a)
times a multiplicative correction `f` learned by gradient boosting (LightGBM, Poisson objective,
the log BG/NBD expectation as offset). The features go beyond (x, t_x, T): time since the last
purchase, purchases in the last 4, 8 and 13 weeks, the mean and the last inter-purchase gap and
the time since the last purchase in gaps, the value (and, when given, the quantity) of the first
purchase and of all purchases, and the BG/NBD model's own P(alive) and expectation.

Only calibration data are used. The calibration span (first purchase day to `calibration_end`)
is cut at `split` (half by default): BG/NBD is fitted on the history up to the inner cut, and
the booster learns how the purchases each customer made between the inner cut and
`calibration_end` differ from that model's expectation over the same h periods (a Poisson
regression with offset log E[Y(h)]). At `calibration_end` BG/NBD is fitted again on the whole
calibration history, the features are computed afresh, and the learned correction multiplies
the new expectation over any horizon.

The assumption, stated plainly: the correction learned for a horizon of h periods, on
customers younger than the ones it is applied to, carries over to the horizon asked and to the
older customers. Trees do not extrapolate: a customer older (or longer inactive) than any seen
at the inner cut gets the correction of the oldest seen. The CDNOW study
(benchmarks/marketing_clv.py) shows how much the result depends on `split`.
"""

from __future__ import annotations

from typing import Any, Final, Self

import numpy as np
import pandas as pd
from lightgbm import LGBMRegressor

from shopmind.errors import InsufficientDataError
from shopmind.marketing.clv import BGNBD, FloatArray, _period_length, rfm_summary

__all__ = ["BoostedBGNBD", "purchase_features"]

_WINDOW_DAYS: Final = (28, 56, 91)


def _daily(
    transactions: pd.DataFrame,
    customer: str,
    time: str,
    value: str | None,
    quantity: str | None,
) -> pd.DataFrame:
    """One row per customer and purchase day: customer, day, value, quantity (sums)."""
    needed = [customer, time] + [c for c in (value, quantity) if c is not None]
    missing = [c for c in needed if c not in transactions.columns]
    if missing:
        raise ValueError(f"transactions lack the column(s) {', '.join(map(repr, missing))}")
    frame = pd.DataFrame(
        {
            "customer": transactions[customer].to_numpy(),
            "day": pd.to_datetime(transactions[time]).dt.normalize().to_numpy(),
            "value": (
                pd.to_numeric(transactions[value]).to_numpy(dtype=np.float64)
                if value is not None
                else 0.0
            ),
            "quantity": (
                pd.to_numeric(transactions[quantity]).to_numpy(dtype=np.float64)
                if quantity is not None
                else 0.0
            ),
        }
    )
    return frame.groupby(["customer", "day"], sort=True, as_index=False)[
        ["value", "quantity"]
    ].sum()


def _periods(delta: pd.Series[Any], length: pd.Timedelta) -> pd.Series[float]:
    values = np.asarray(pd.to_timedelta(delta).to_numpy() / length.to_timedelta64(), dtype=float)
    return pd.Series(values, index=delta.index, dtype=np.float64)


def purchase_features(
    daily: pd.DataFrame, cut: pd.Timestamp, length: pd.Timedelta, *, quantity: bool = True
) -> pd.DataFrame:
    """Per-customer features at the end of day `cut` from daily purchases (columns customer,
    day, value, quantity; one row per customer and day), times in periods of `length`.

    frequency, recency, T (as in `rfm_summary`), since_last (T - recency), recent_4w /
    recent_8w / recent_13w (repeat purchase days in the last 28, 56, 91 days), rate (frequency
    / T), mean_gap (recency / frequency), last_gap (between the last two purchase days),
    since_in_gaps (since_last / mean_gap), first_value, mean_value, total_value and, with
    `quantity`, first_quantity and mean_quantity. Customers whose first purchase is after `cut`
    are left out; the index is the customer, sorted."""
    seen = daily[daily["day"] <= cut]
    grouped = seen.groupby("customer", sort=True)
    first = grouped["day"].min()
    last = grouped["day"].max()
    frequency = (grouped.size() - 1).astype(np.float64)
    features = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": _periods(last - first, length),
            "T": _periods(cut - first, length),
        }
    )
    features["since_last"] = features["T"] - features["recency"]
    for days in _WINDOW_DAYS:
        start = cut - pd.Timedelta(days=days)
        counts = seen[seen["day"] > start].groupby("customer").size()
        recent = counts.reindex(features.index, fill_value=0).astype(np.float64)
        features[f"recent_{days // 7}w"] = recent - (first > start).astype(np.float64)
    features["rate"] = frequency / features["T"].clip(lower=1.0)
    features["mean_gap"] = (features["recency"] / frequency).where(frequency > 0)
    previous = grouped["day"].shift(1)
    gaps = _periods(seen["day"] - previous, length).groupby(seen["customer"]).last()
    features["last_gap"] = gaps.reindex(features.index)
    features["since_in_gaps"] = features["since_last"] / features["mean_gap"]
    firsts = grouped.first()
    features["first_value"] = firsts["value"]
    features["mean_value"] = grouped["value"].mean()
    features["total_value"] = grouped["value"].sum()
    if quantity:
        features["first_quantity"] = firsts["quantity"]
        features["mean_quantity"] = grouped["quantity"].mean()
    features.index.name = None
    return features


def _bgnbd_features(
    model: BGNBD, features: pd.DataFrame, horizon: float
) -> tuple[pd.DataFrame, FloatArray]:
    x = features["frequency"].to_numpy(dtype=np.float64)
    t_x = features["recency"].to_numpy(dtype=np.float64)
    age = features["T"].to_numpy(dtype=np.float64)
    expected = model.expected_purchases(horizon, x, t_x, age)
    extended = features.assign(
        p_alive=model.probability_alive(x, t_x, age), bgnbd_expected=expected
    )
    return extended, expected


class BoostedBGNBD:
    """BG/NBD times a gradient-boosted correction learned inside the calibration period (see
    the module docstring). `fit` takes transactions and the calibration end; `predict(t)`
    gives the expected purchases of each calibration customer in the next `t` periods."""

    bgnbd_: BGNBD | None
    inner_bgnbd_: BGNBD | None
    booster_: Any
    features_: pd.DataFrame | None
    inner_cut_: pd.Timestamp | None
    inner_horizon_: float

    def __init__(
        self,
        *,
        split: float = 0.5,
        period: str | pd.Timedelta = "W",
        n_estimators: int = 400,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 50,
        random_state: int = 0,
    ) -> None:
        if not 0.0 < split < 1.0:
            raise ValueError(f"split must be strictly between 0 and 1, not {split!r}")
        self.split = split
        """Where the calibration span is cut for the booster's training (0.5: the middle)."""
        self.period = period
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state
        self.bgnbd_ = None
        self.inner_bgnbd_ = None
        self.booster_ = None
        self.features_ = None
        self.inner_cut_ = None

    def _booster(self) -> Any:
        return LGBMRegressor(
            objective="poisson",
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=self.random_state,
            deterministic=True,
            force_row_wise=True,
            n_jobs=1,
            verbose=-1,
        )

    def fit(
        self,
        transactions: pd.DataFrame,
        *,
        calibration_end: pd.Timestamp | str,
        customer: str = "customer_id",
        time: str = "ordered_at",
        value: str | None = "revenue",
        quantity: str | None = None,
    ) -> Self:
        """Learn the correction on the inner split and refit BG/NBD at `calibration_end`.
        Transactions after the day of `calibration_end` are ignored. Raises
        InsufficientDataError when either BG/NBD cannot be fitted (no repeat purchases)."""
        # rfm_summary checks the columns, values and dates and defines the period length.
        end = pd.Timestamp(calibration_end).normalize()
        rfm_summary(
            transactions,
            customer=customer,
            time=time,
            value=value,
            calibration_end=end,
            period=self.period,
        )
        length = _period_length(self.period)
        daily = _daily(transactions, customer, time, value, quantity)
        daily = daily[daily["day"] <= end]
        start = daily["day"].min()
        inner = (start + (end - start) * self.split).normalize()
        if inner <= start or inner >= end:
            raise InsufficientDataError(
                f"the calibration period ({start.date()} to {end.date()}) is too short to cut"
            )
        horizon = (end - inner) / length
        with_quantity = quantity is not None

        train = purchase_features(daily, inner, length, quantity=with_quantity)
        label = daily[daily["day"] > inner].groupby("customer").size()
        label = label.reindex(train.index, fill_value=0).astype(np.float64)
        applied = purchase_features(daily, end, length, quantity=with_quantity)
        applied.index.name = customer
        try:
            inner_model = BGNBD().fit(*self._frt(train))
            outer_model = BGNBD().fit(*self._frt(applied))
        except ValueError as error:
            raise InsufficientDataError(f"BG/NBD cannot be fitted: {error}") from error
        train, offset = _bgnbd_features(inner_model, train, horizon)
        booster = self._booster()
        booster.fit(train, label.to_numpy(), init_score=np.log(np.maximum(offset, 1e-12)))
        applied, _ = _bgnbd_features(outer_model, applied, horizon)
        self.bgnbd_, self.inner_bgnbd_, self.booster_ = outer_model, inner_model, booster
        self.features_ = applied
        self.inner_cut_, self.inner_horizon_ = inner, float(horizon)
        return self

    @staticmethod
    def _frt(features: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
        return features["frequency"], features["recency"], features["T"]

    def correction(self) -> pd.Series:
        """exp(f(features)): the factor each customer's BG/NBD expectation is multiplied by."""
        if self.features_ is None or self.booster_ is None:
            raise ValueError("this BoostedBGNBD is not fitted yet: call fit first")
        raw = np.asarray(self.booster_.predict(self.features_, raw_score=True), dtype=np.float64)
        return pd.Series(np.exp(raw), index=self.features_.index, name="correction")

    def predict(self, horizon: float) -> pd.Series:
        """Expected purchases of each calibration customer in the next `horizon` periods."""
        factor = self.correction()
        if not np.isfinite(horizon) or horizon < 0:
            raise ValueError(f"horizon must be a non-negative number of periods, not {horizon!r}")
        if self.bgnbd_ is None or self.features_ is None:
            raise ValueError("this BoostedBGNBD is not fitted yet: call fit first")
        x, t_x, age = (c.to_numpy(dtype=np.float64) for c in self._frt(self.features_))
        expected = self.bgnbd_.expected_purchases(float(horizon), x, t_x, age)
        return pd.Series(
            expected * factor.to_numpy(), index=self.features_.index, name="expected_purchases"
        )
