"""Customer lifetime value: BG/NBD purchase counts, Gamma-Gamma spend, discounted CLV.

`rfm_summary` turns a long frame of transactions into the per-customer statistics the models
need (frequency, recency, age T, mean repeat spend). `BGNBD` is the beta-geometric / negative
binomial model of Fader, Hardie & Lee (2005a), "Counting your customers the easy way: an
alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284 (equations 6, 9, 10 and
the appendix's conditional expectation). `GammaGamma` is the spend model of Fader, Hardie & Lee
(2005b), "RFM and CLV: using iso-value curves for customer base analysis", Journal of Marketing
Research 42(4), 415-430 (section 4; also Fader & Hardie's note "The Gamma-Gamma model of
monetary value", 2013). Both are fitted by maximum likelihood on log-parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Final, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from shopmind.errors import InsufficientDataError

__all__ = ["BGNBD", "GammaGamma", "clv", "customer_value", "rfm_summary"]

FloatArray = NDArray[np.float64]

_PERIODS: Final = {"D": pd.Timedelta(days=1), "W": pd.Timedelta(days=7)}
_DAY: Final = pd.Timedelta(days=1)


# -- data preparation ------------------------------------------------------------------------


def _period_length(period: str | pd.Timedelta) -> pd.Timedelta:
    if isinstance(period, pd.Timedelta):
        length = period
    elif period in _PERIODS:
        length = _PERIODS[period]
    else:
        try:
            length = pd.Timedelta(period)
        except ValueError as error:
            raise ValueError(
                f"period must be 'D', 'W' or a timedelta such as '14D', not {period!r}"
            ) from error
    if length <= pd.Timedelta(0):
        raise ValueError(f"period must be positive, not {length}")
    return length


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "ordered_at",
    value: str | None = "revenue",
    calibration_end: pd.Timestamp | str,
    period: str | pd.Timedelta = "W",
    observation_end: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Per-customer frequency, recency, T and monetary value, as in Fader, Hardie & Lee (2005a).

    Transactions are first summed per customer and purchase *day* (several orders on one day
    are one transaction, as in the CDNOW analyses). Only days up to and including the day of
    `calibration_end` count; customers whose first purchase is later are left out.

    - frequency: the number of repeat purchase days (distinct days after the first);
    - recency: time from the first to the last purchase day, in periods (t_x);
    - T: time from the first purchase day to the day of `calibration_end`, in periods;
    - monetary_value: the mean value of the repeat purchase days (NaN when frequency is 0);
      only when `value` is given;
    - frequency_holdout, duration_holdout: purchase days in (calibration_end, observation_end]
      and that window's length in periods, when `observation_end` is given.

    `period` is 'D', 'W' or a pandas timedelta. Returns one row per customer, indexed by
    `customer`, sorted by it.
    """
    length = _period_length(period)
    if not isinstance(transactions, pd.DataFrame):
        raise ValueError(f"transactions must be a DataFrame, not {type(transactions).__name__}")
    needed = [customer, time] + ([value] if value is not None else [])
    missing = [c for c in needed if c not in transactions.columns]
    if missing:
        raise ValueError(f"transactions lack the column(s) {', '.join(map(repr, missing))}")
    if transactions.empty:
        raise ValueError("transactions is empty: there is no purchase to summarise")
    if transactions[customer].isna().any():
        raise ValueError(f"column {customer!r} has missing customer ids")
    try:
        stamps = pd.to_datetime(transactions[time])
    except (ValueError, TypeError) as error:
        raise ValueError(f"column {time!r} does not hold datetimes: {error}") from error
    if stamps.isna().any():
        raise ValueError(f"column {time!r} has missing times")
    days = stamps.dt.normalize()
    frame = pd.DataFrame({"customer": transactions[customer].to_numpy(), "day": days.to_numpy()})
    if value is not None:
        amounts = pd.to_numeric(transactions[value], errors="coerce")
        if amounts.isna().any() or not np.isfinite(amounts.to_numpy(dtype=np.float64)).all():
            raise ValueError(f"column {value!r} has missing or non-numeric values")
        if (amounts < 0).any():
            raise ValueError(f"column {value!r} has negative values (returns are not purchases)")
        frame["value"] = amounts.to_numpy(dtype=np.float64)
    else:
        frame["value"] = 0.0

    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = None if observation_end is None else pd.Timestamp(observation_end).normalize()
    if obs_end is not None and obs_end <= cal_end:
        raise ValueError(
            f"observation_end ({obs_end.date()}) must be after calibration_end ({cal_end.date()})"
        )
    if frame["day"].min() > cal_end:
        raise ValueError(
            f"calibration_end ({cal_end.date()}) is before every purchase "
            f"(the first is on {frame['day'].min().date()})"
        )

    daily = frame.groupby(["customer", "day"], sort=True, as_index=False)["value"].sum()
    calibration = daily[daily["day"] <= cal_end]
    grouped = calibration.groupby("customer", sort=True)
    first = grouped["day"].min()
    last = grouped["day"].max()
    count = grouped["day"].size()
    total = grouped["value"].sum()
    first_value = calibration.loc[grouped["day"].idxmin(), ["customer", "value"]].set_index(
        "customer"
    )["value"]
    frequency = (count - 1).astype(np.float64)
    summary = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first) / length,
            "T": (cal_end - first) / length,
        }
    )
    if value is not None:
        repeat_total = total - first_value
        summary["monetary_value"] = (repeat_total / frequency).where(frequency > 0)
    if obs_end is not None:
        holdout = daily[(daily["day"] > cal_end) & (daily["day"] <= obs_end)]
        counts = holdout.groupby("customer").size()
        summary["frequency_holdout"] = (
            counts.reindex(summary.index, fill_value=0).astype(np.float64).to_numpy()
        )
        summary["duration_holdout"] = (obs_end - cal_end) / length
    summary.index.name = customer
    return summary


# -- checks ----------------------------------------------------------------------------------


def _as_float(values: ArrayLike, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    if (array < 0).any():
        raise ValueError(f"{name} must not be negative")
    return array


def _frt(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[FloatArray, ...]:
    """Checked (x, t_x, T): non-negative, x whole, t_x <= T, t_x = 0 when x = 0."""
    x = _as_float(frequency, "frequency")
    t_x = _as_float(recency, "recency")
    age = _as_float(T, "T")
    x, t_x, age = np.broadcast_arrays(x, t_x, age)
    if not np.array_equal(x, np.round(x)):
        raise ValueError("frequency must be whole numbers of repeat purchases")
    if (t_x > age + 1e-9).any():
        raise ValueError("recency must not exceed T (the last purchase is before the end)")
    if ((x == 0) & (t_x > 0)).any():
        raise ValueError("recency must be 0 for customers with frequency 0")
    return x, t_x, age


def _check_fitted(params: dict[str, float] | None, name: str) -> dict[str, float]:
    if params is None:
        raise ValueError(f"this {name} is not fitted yet: call fit first")
    return params


def _maximise(
    neg_ll: Callable[[FloatArray], float], n_params: int, initial: FloatArray | None = None
) -> tuple[FloatArray, float]:
    """Minimise `neg_ll(log_params)` (BFGS, then Nelder-Mead polish); return (params, value)."""
    start = np.zeros(n_params) if initial is None else np.log(initial)
    first = minimize(neg_ll, start, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
    polished = minimize(
        neg_ll,
        first.x,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000},
    )
    best = polished if polished.fun <= first.fun else first
    if not np.isfinite(best.fun):
        raise ValueError("maximum likelihood did not converge to a finite log-likelihood")
    return np.exp(best.x), float(best.fun)


# -- BG/NBD ----------------------------------------------------------------------------------


class BGNBD:
    """The BG/NBD model (Fader, Hardie & Lee 2005a): while alive a customer buys as a Poisson
    process with rate lambda ~ Gamma(r, alpha); after each repeat purchase they drop out with
    probability p ~ Beta(a, b). Fitted by maximum likelihood on (x, t_x, T)."""

    params_: dict[str, float] | None
    log_likelihood_: float

    def __init__(self, initial: tuple[float, float, float, float] | None = None) -> None:
        self.initial = initial
        """Starting (r, alpha, a, b) for the optimiser; all 1 when None."""
        self.params_ = None

    @staticmethod
    def log_likelihood(
        params: tuple[float, float, float, float],
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
    ) -> FloatArray:
        """Per-customer log-likelihood, FHL (2005a) equation 6:
        L = B(a, b+x)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
          + [x > 0] B(a+1, b+x-1)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))."""
        r, alpha, a, b = params
        x, t_x, age = _frt(frequency, recency, T)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        survive = betaln(a, b + x) - (r + x) * np.log(alpha + age)
        repeat = x > 0
        dropped = np.full_like(x, -np.inf)
        dropped[repeat] = betaln(a + 1, b + x[repeat] - 1) - (r + x[repeat]) * np.log(
            alpha + t_x[repeat]
        )
        result: FloatArray = common + np.logaddexp(survive, dropped)
        return result

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Self:
        """Maximum-likelihood (r, alpha, a, b) from repeat purchases x, recency t_x and age T."""
        x, t_x, age = _frt(frequency, recency, T)
        if x.size == 0:
            raise ValueError("there are no customers to fit on")
        if not (x > 0).any():
            raise ValueError("no customer has a repeat purchase: BG/NBD cannot be identified")

        def neg_ll(log_params: FloatArray) -> float:
            r, alpha, a, b = np.exp(np.clip(log_params, -30.0, 30.0))
            total = float(self.log_likelihood((r, alpha, a, b), x, t_x, age).sum())
            return -total / x.size if np.isfinite(total) else np.inf

        initial = None if self.initial is None else np.asarray(self.initial, dtype=np.float64)
        values, best = _maximise(neg_ll, 4, initial)
        self.params_ = dict(zip(("r", "alpha", "a", "b"), map(float, values), strict=True))
        self.log_likelihood_ = -best * x.size
        return self

    def _params(self) -> tuple[float, float, float, float]:
        p = _check_fitted(self.params_, "BGNBD")
        return p["r"], p["alpha"], p["a"], p["b"]

    def expected_purchases_population(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] for a new customer, FHL (2005a) equation 9:
        (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]."""
        r, alpha, a, b = self._params()
        span = _as_float(t, "t")
        result: FloatArray = (
            (a + b - 1)
            / (a - 1)
            * (1 - (alpha / (alpha + span)) ** r * hyp2f1(r, b, a + b - 1, span / (alpha + span)))
        )
        return result

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(alive | x, t_x, T), FHL (2005a) equation 11 / Fader, Hardie & Lee (2008) note:
        1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)); 1 when x = 0."""
        r, alpha, a, b = self._params()
        x, t_x, age = _frt(frequency, recency, T)
        ratio = np.zeros_like(x)
        repeat = x > 0
        ratio[repeat] = (
            a
            / (b + x[repeat] - 1)
            * ((alpha + age[repeat]) / (alpha + t_x[repeat])) ** (r + x[repeat])
        )
        result: FloatArray = 1.0 / (1.0 + ratio)
        return result

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next `t` periods, FHL (2005a) equation
        10: (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1;
        t/(alpha+T+t))] / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
        `t` broadcasts against the customer arrays."""
        r, alpha, a, b = self._params()
        x, t_x, age = _frt(frequency, recency, T)
        span = _as_float(t, "t")
        alive = self.probability_alive(x, t_x, age)
        z = span / (alpha + age + span)
        bracket = 1 - ((alpha + age) / (alpha + age + span)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, z
        )
        result: FloatArray = (a + b + x - 1) / (a - 1) * bracket * alive
        return result


# -- Gamma-Gamma -----------------------------------------------------------------------------


class GammaGamma:
    """The Gamma-Gamma spend model (Fader, Hardie & Lee 2005b): a customer's transaction values
    are Gamma(p, nu), nu ~ Gamma(q, gamma) across customers; fitted on the mean repeat spend
    m_x of customers with x >= 1 repeat purchases. Parameters (p, q, v), v being gamma."""

    params_: dict[str, float] | None
    log_likelihood_: float

    def __init__(self, initial: tuple[float, float, float] | None = None) -> None:
        self.initial = initial
        """Starting (p, q, v) for the optimiser; all 1 when None."""
        self.params_ = None

    @staticmethod
    def _checked(frequency: ArrayLike, monetary_value: ArrayLike) -> tuple[FloatArray, ...]:
        x = _as_float(frequency, "frequency")
        m = np.asarray(monetary_value, dtype=np.float64)
        x, m = np.broadcast_arrays(x, m)
        repeat = x > 0
        if not np.isfinite(m[repeat]).all():
            raise ValueError("monetary_value must be finite for customers with frequency > 0")
        if (m[repeat] < 0).any():
            raise ValueError("monetary_value must not be negative")
        return x, m

    @staticmethod
    def log_likelihood(
        params: tuple[float, float, float], frequency: ArrayLike, monetary_value: ArrayLike
    ) -> FloatArray:
        """Per-customer log-likelihood of the mean spend m over x repeat purchases (x > 0),
        FHL (2005b) equation 3 / Fader & Hardie (2013) equation 4:
        Gamma(px+q) / (Gamma(px) Gamma(q)) v^q m^(px-1) x^(px) / (v + m x)^(px+q)."""
        p, q, v = params
        x = _as_float(frequency, "frequency")
        m = _as_float(monetary_value, "monetary_value")
        if (x <= 0).any() or (m <= 0).any():
            raise ValueError("the Gamma-Gamma likelihood needs frequency > 0 and spend > 0")
        px = p * x
        result: FloatArray = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(v)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(v + m * x)
        )
        return result

    def fit(self, frequency: ArrayLike, monetary_value: ArrayLike) -> Self:
        """Maximum-likelihood (p, q, v) from the customers with frequency > 0."""
        x, m = self._checked(frequency, monetary_value)
        keep = x > 0
        if not keep.any():
            raise ValueError("no customer has a repeat purchase: Gamma-Gamma needs some")
        if (m[keep] == 0).any():
            raise ValueError(
                "monetary_value is 0 for some customers with repeat purchases; "
                "the Gamma-Gamma model needs positive spend (drop them first)"
            )
        x, m = x[keep], m[keep]

        def neg_ll(log_params: FloatArray) -> float:
            p, q, v = np.exp(np.clip(log_params, -30.0, 30.0))
            total = float(self.log_likelihood((p, q, v), x, m).sum())
            return -total / x.size if np.isfinite(total) else np.inf

        initial = None if self.initial is None else np.asarray(self.initial, dtype=np.float64)
        values, best = _maximise(neg_ll, 3, initial)
        self.params_ = dict(zip(("p", "q", "v"), map(float, values), strict=True))
        self.log_likelihood_ = -best * x.size
        return self

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> FloatArray:
        """E[M | m_x, x] = (q-1)/(px+q-1) * v p/(q-1) + px/(px+q-1) * m_x, FHL (2005b)
        equation 5: a weighted mean of the population mean v p/(q-1) and the customer's own
        mean. Customers with x = 0 get the population mean (their spend may be NaN)."""
        params = _check_fitted(self.params_, "GammaGamma")
        p, q, v = params["p"], params["q"], params["v"]
        if q <= 1:
            raise ValueError(f"q = {q:.3g} <= 1: the population mean spend is infinite")
        x, m = self._checked(frequency, monetary_value)
        own = np.where(x > 0, m, 0.0)
        result: FloatArray = p * (v + own * x) / (p * x + q - 1)
        return result


# -- CLV -------------------------------------------------------------------------------------


def _check_margin(margin: float) -> float:
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.floating, np.integer)):
        raise ValueError(f"margin must be a number in (0, 1], not {margin!r}")
    value = float(margin)
    if not 0.0 < value <= 1.0:
        raise ValueError(
            f"margin must be in (0, 1] (the share of spend that is profit; 1 = revenue), "
            f"not {margin!r}"
        )
    return value


def clv(
    bgnbd: BGNBD,
    gg: GammaGamma,
    summary: pd.DataFrame,
    horizon: int,
    discount_rate: float,
    margin: float = 1.0,
) -> pd.Series:
    """Discounted expected value over the next `horizon` periods, per customer of `summary`
    (from `rfm_summary`): margin * sum over i = 1..horizon of
    (E[Y(i) | x, t_x, T] - E[Y(i-1) | x, t_x, T]) * E[M | m_x, x] / (1 + discount_rate)^i,
    the discrete form of FHL (2005b) section 5 with a per-period discount rate.

    `margin` is the share of spend that is profit, in (0, 1]: the default 1 gives the value in
    revenue, 0.3 the gross profit of a shop that keeps 30% of each sale. It multiplies the
    spend (a margin above 1 or of 0 or less is rejected: a loss-making shop is not a CLV
    question)."""
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1, not {horizon!r}")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ValueError(f"discount_rate must be a finite rate above -1, not {discount_rate!r}")
    share = _check_margin(margin)
    missing = [
        c for c in ("frequency", "recency", "T", "monetary_value") if c not in summary.columns
    ]
    if missing:
        raise ValueError(f"summary lacks the column(s) {', '.join(missing)}")
    x = summary["frequency"].to_numpy(dtype=np.float64)
    t_x = summary["recency"].to_numpy(dtype=np.float64)
    age = summary["T"].to_numpy(dtype=np.float64)
    steps = np.arange(horizon + 1, dtype=np.float64)[:, None]
    cumulative = bgnbd.expected_purchases(steps, x[None, :], t_x[None, :], age[None, :])
    per_period = np.diff(cumulative, axis=0)
    discount = (1.0 + discount_rate) ** -steps[1:]
    purchases = (per_period * discount).sum(axis=0)
    spend = gg.expected_spend(x, summary["monetary_value"].to_numpy(dtype=np.float64))
    return pd.Series(purchases * spend * share, index=summary.index, name="clv")


# -- per-customer value for the marketing engine ---------------------------------------------

MIN_REPEAT_CUSTOMERS: Final = 20
"""Fewest customers with a repeat purchase that `customer_value` fits the models on."""

VALUE_COLUMNS: Final = (
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "expected_purchases",
    "probability_alive",
    "expected_spend",
    "clv",
)


def customer_value(
    purchases: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    horizon_days: int = 365,
    period: str | pd.Timedelta = "W",
    annual_discount_rate: float = 0.10,
    margin: float = 1.0,
    exclude_status: Collection[str] = ("cancelled",),
    min_repeat_customers: int = MIN_REPEAT_CUSTOMERS,
) -> pd.DataFrame:
    """Lifetime value of every customer who bought up to `as_of`, from a shop's purchases.

    `purchases` is `Shop.purchases()` (or any frame with customer_id, ordered_at, revenue and,
    optionally, status): lines of orders whose status is in `exclude_status` do not count,
    nor do orders after the day of `as_of`. BG/NBD is fitted on every customer's (frequency,
    recency, T) and Gamma-Gamma on the customers with a repeat purchase of positive mean
    value, both in `period` units (`rfm_summary`).

    The horizon is `horizon_days` rounded to whole periods (365 days = 52 weeks). Columns,
    indexed by customer_id and sorted by it:

    - frequency, recency, T, monetary_value: the RFM summary at `as_of`;
    - expected_purchases: expected repeat purchases over the horizon (undiscounted);
    - probability_alive: P(alive | frequency, recency, T);
    - expected_spend: expected value of one future purchase (Gamma-Gamma), times `margin`;
    - clv: `clv(...)` over the horizon with `annual_discount_rate` turned into a per-period
      rate, (1 + annual)^(period / 365 days) - 1, and `margin` (the share of spend that is
      profit, in (0, 1]).

    Customers who never bought by `as_of` are not in the result. Raises InsufficientDataError
    when fewer than `min_repeat_customers` customers bought again (the models cannot be
    identified) or when the fitted spend model has no finite mean, ValueError for bad
    arguments.
    """
    length = _period_length(period)
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, np.integer)):
        raise ValueError(f"horizon_days must be a whole number of days, not {horizon_days!r}")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, not {horizon_days}")
    if not np.isfinite(annual_discount_rate) or annual_discount_rate <= -1:
        raise ValueError(
            f"annual_discount_rate must be a finite rate above -1, not {annual_discount_rate!r}"
        )
    share = _check_margin(margin)
    horizon = max(1, round(pd.Timedelta(days=int(horizon_days)) / length))
    rate = (1.0 + annual_discount_rate) ** (length / pd.Timedelta(days=365)) - 1.0

    lines = purchases
    if exclude_status and "status" in lines.columns:
        lines = lines[~lines["status"].isin(list(exclude_status))]
    if lines.empty:
        raise InsufficientDataError(
            "there are no purchases to value customers on"
            + (f" (outside status {sorted(exclude_status)})" if exclude_status else "")
        )
    cutoff = pd.Timestamp(as_of)
    if "ordered_at" in lines.columns and (
        pd.to_datetime(lines["ordered_at"]).min().normalize() > cutoff.normalize()
    ):
        raise InsufficientDataError(f"no purchase was made by as_of ({cutoff.date()})")
    summary = rfm_summary(lines, calibration_end=cutoff, period=period)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(repeat) < min_repeat_customers:
        raise InsufficientDataError(
            f"only {len(repeat)} of {len(summary)} customers bought again (with positive "
            f"spend) by {cutoff.date()}; lifetime value needs at least {min_repeat_customers} "
            "repeat customers to fit BG/NBD and Gamma-Gamma"
        )
    try:
        bgnbd = BGNBD().fit(summary["frequency"], summary["recency"], summary["T"])
        gg = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    except ValueError as error:
        raise InsufficientDataError(
            f"the lifetime-value models cannot be fitted: {error}"
        ) from error
    q = _check_fitted(gg.params_, "GammaGamma")["q"]
    if q <= 1:
        raise InsufficientDataError(
            f"the spend model has no finite mean (q = {q:.3g} <= 1): the repeat "
            "customers' spend is too dispersed for Gamma-Gamma"
        )
    x = summary["frequency"].to_numpy(dtype=np.float64)
    t_x = summary["recency"].to_numpy(dtype=np.float64)
    age = summary["T"].to_numpy(dtype=np.float64)
    money = summary["monetary_value"].to_numpy(dtype=np.float64)
    result = summary[["frequency", "recency", "T", "monetary_value"]].copy()
    result["expected_purchases"] = bgnbd.expected_purchases(float(horizon), x, t_x, age)
    result["probability_alive"] = bgnbd.probability_alive(x, t_x, age)
    result["expected_spend"] = gg.expected_spend(x, money) * share
    result["clv"] = clv(bgnbd, gg, summary, horizon, rate, margin=share)
    return result
