"""Inventory policy parameters: lead-time demand, safety stock, reorder points, order sizes.

The protection interval of a periodic-review policy is the lead time L plus the review period R
(in forecast periods; fractions allowed): an order placed now must cover demand until the order
after it arrives (Silver, Pyke & Thomas 2017, ch. 6.7; Axsäter 2015, ch. 5).

**Lead-time demand from quantile forecasts.** The quantiles of a sum are not the sums of the
quantiles (that only holds when every period's demand moves in lockstep), so the distribution
of the demand summed over the protection interval is built from *sample paths*:

* `quantile_paths` draws paths from per-period quantile forecasts. Each period's quantile
  function is interpolated linearly in normal-score space (Q(u) is piecewise linear in
  z = Φ⁻¹(u) between the given quantiles and extrapolated linearly in z beyond the outermost
  two on each side), which is exact for a normal forecast and keeps the skew of an asymmetric
  one; draws below `floor` (0: demand is never negative) are clipped. The periods are tied by a
  Gaussian copula with one equicorrelation `correlation`: 0 = independent periods, 1 =
  comonotone (then the quantiles of the sum are the sums of the quantiles), in between a
  mixture of a shared and a per-period shock. Forecast errors of level-based models are
  positively correlated across horizons (the level error is shared), so 0 tends to understate
  the spread of the sum; the default `DEFAULT_CORRELATION` = 0.3 was measured on Walmart
  (see its docstring) and `residual_correlation` estimates it from a series' own errors.
* `lead_time_demand` sums any sample paths (those, or paths from an empirical residual
  bootstrap: forecast + blocks of past errors) over the protection interval; a fractional
  last period counts with its fraction of the period's demand.
* `empirical_lead_time_demand` needs no forecast: the sums of every window of the protection
  interval's length in the history (the fallback of a product without a forecast).
* `normal_lead_time_demand` is the textbook version, mean mu·(L+R), std sigma·sqrt(L+R) (demand
  i.i.d. normal per period), kept for comparison.

Both kinds of distribution answer `mean`, `quantile` and `expected_shortage(x)` = E[(D - x)⁺]
(the loss function: sigma·G(z) for the normal, the sample mean of (d - x)⁺ for samples), and are
vectorised over leading batch axes (many products at once).

**Service levels.** Cycle service level (CSL) = P(no stock-out in a replenishment cycle):
the reorder point / order-up-to level is the CSL-quantile of the protection-interval demand.
Fill rate β = share of demand served from stock: the smallest level x with expected shortage
per cycle E[(D - x)⁺] <= (1 - β)·(expected demand per cycle) (Silver, Pyke & Thomas eq. 6.14
and 6.29, which ignore the shortage already present at the start of a cycle; accurate for the
high fill rates that matter). For the normal case this is G(z) = (1 - β)·Q / sigma.

Order sizes: EOQ = sqrt(2·D·K / h) (Harris 1913) with D the demand rate, K the fixed cost per
order, h the holding cost per unit per the same time unit; `round_order_quantity` rounds up to
whole packs, at least the supplier's minimum order quantity.

References: E. A. Silver, D. F. Pyke, D. J. Thomas, *Inventory and Production Management in
Supply Chains*, 4th ed., CRC Press 2017; S. Axsäter, *Inventory Control*, 3rd ed., Springer 2015.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from shopmind.errors import InsufficientDataError

__all__ = [
    "DEFAULT_CORRELATION",
    "EmpiricalDemand",
    "LeadTimeDistribution",
    "NormalDemand",
    "ServiceMeasure",
    "check_service_level",
    "economic_order_quantity",
    "empirical_lead_time_demand",
    "lead_time_demand",
    "normal_lead_time_demand",
    "normal_loss",
    "order_up_to_level",
    "protection_periods",
    "quantile_paths",
    "reorder_point",
    "residual_correlation",
    "round_order_quantity",
    "safety_stock",
]

Floats = NDArray[np.float64]
DEFAULT_CORRELATION = 0.3
"""Default equicorrelation of forecast errors across the periods of a protection interval: the
pooled cross-horizon error correlation of a seasonal forecaster on Walmart's weekly store x
department series was 0.28 (benchmarks/inventory_policy.py); 0 would treat the periods as
independent and understate the spread of their sum."""

ServiceMeasure = Literal["cycle", "fill"]
"""'cycle': cycle service level P(no stock-out per cycle); 'fill': fill rate (share served)."""


# -- checks -----------------------------------------------------------------------------------


def check_service_level(service_level: float) -> float:
    """`service_level` as a float strictly between 0 and 1; ValueError otherwise."""
    value = float(service_level)
    if not 0.0 < value < 1.0:
        raise ValueError(
            f"service level must lie strictly between 0 and 1 (e.g. 0.95), not {service_level}"
        )
    return value


def protection_periods(lead_time: float, review_period: float = 0.0) -> float:
    """L + R in periods; ValueError for a lead time <= 0 or a negative review period."""
    lead, review = float(lead_time), float(review_period)
    if not math.isfinite(lead) or lead <= 0:
        raise ValueError(f"lead time must be a positive number of periods, not {lead_time}")
    if not math.isfinite(review) or review < 0:
        raise ValueError(f"review period must be >= 0 periods, not {review_period}")
    return lead + review


def _measure(measure: str) -> ServiceMeasure:
    if measure == "cycle":
        return "cycle"
    if measure == "fill":
        return "fill"
    raise ValueError(f"service measure must be 'cycle' or 'fill', not {measure!r}")


# -- distributions ----------------------------------------------------------------------------


class LeadTimeDistribution(Protocol):
    """Demand summed over a protection interval, possibly a batch of them (leading axes)."""

    def mean(self) -> Floats: ...

    def quantile(self, p: float) -> Floats: ...

    def expected_shortage(self, level: ArrayLike) -> Floats: ...


@dataclass(frozen=True)
class EmpiricalDemand:
    """Samples of the protection interval's total demand: shape (..., n_samples), sorted."""

    samples: Floats
    periods: float
    method: str

    def mean(self) -> Floats:
        return np.asarray(self.samples.mean(axis=-1), dtype=np.float64)

    def std(self) -> Floats:
        return np.asarray(self.samples.std(axis=-1), dtype=np.float64)

    def quantile(self, p: float) -> Floats:
        """The p-quantile (numpy's default linear interpolation between order statistics)."""
        return np.asarray(np.quantile(self.samples, p, axis=-1), dtype=np.float64)

    def cdf(self, level: ArrayLike) -> Floats:
        x = np.asarray(level, dtype=np.float64)[..., None]
        return np.asarray((self.samples <= x).mean(axis=-1), dtype=np.float64)

    def expected_shortage(self, level: ArrayLike) -> Floats:
        """E[(D - level)⁺] over the samples: the empirical loss function."""
        x = np.asarray(level, dtype=np.float64)[..., None]
        return np.asarray(np.maximum(self.samples - x, 0.0).mean(axis=-1), dtype=np.float64)

    def fill_level(self, target_shortage: ArrayLike) -> Floats:
        """The smallest level x with E[(D - x)⁺] <= target_shortage, exactly (per batch item).

        The empirical loss is convex and piecewise linear with kinks at the samples, so the
        answer is found between two consecutive order statistics and interpolated.
        """
        s = self.samples
        n = s.shape[-1]
        target = np.broadcast_to(np.asarray(target_shortage, dtype=np.float64), s.shape[:-1])
        # loss at each order statistic s_k: (1/n) * sum_{i>k} (s_i - s_k)
        suffix = np.cumsum(s[..., ::-1], axis=-1)[..., ::-1]  # sum_{i>=k} s_i
        above = np.concatenate([suffix[..., 1:], np.zeros((*s.shape[:-1], 1))], axis=-1)
        count = n - 1 - np.arange(n)
        loss = (above - count * s) / n  # non-increasing in k
        # first k where loss <= target; x lies between s_{k-1} and s_k where loss is linear
        ok = loss <= target[..., None] + 1e-12
        k = np.argmax(ok, axis=-1)
        k_prev = np.maximum(k - 1, 0)
        take = np.take_along_axis
        lk = take(loss, k[..., None], -1)[..., 0]
        sk = take(s, k[..., None], -1)[..., 0]
        lp = take(loss, k_prev[..., None], -1)[..., 0]
        sp = take(s, k_prev[..., None], -1)[..., 0]
        slope = (lp - lk) / np.where(sk > sp, sk - sp, 1.0)  # = (number of samples above)/n
        x = np.where(
            (k > 0) & (slope > 0), sk - (target - lk) / np.where(slope > 0, slope, 1.0), sk
        )
        # below the smallest sample the loss is mean - x: solve it directly
        low = (k == 0) & (target > 0)
        x = np.where(low, np.minimum(sk, s.mean(axis=-1) - target), x)
        return np.asarray(x, dtype=np.float64)


@dataclass(frozen=True)
class NormalDemand:
    """Normal protection-interval demand N(mean, std²), arrays broadcast (the textbook case)."""

    mu: Floats
    sigma: Floats
    periods: float

    def mean(self) -> Floats:
        return self.mu

    def std(self) -> Floats:
        return self.sigma

    def quantile(self, p: float) -> Floats:
        z = float(special.ndtri(p))
        return np.asarray(self.mu + z * self.sigma, dtype=np.float64)

    def cdf(self, level: ArrayLike) -> Floats:
        x = np.asarray(level, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (x - self.mu) / self.sigma
        out = np.where(self.sigma > 0, special.ndtr(z), (x >= self.mu).astype(np.float64))
        return np.asarray(out, dtype=np.float64)

    def expected_shortage(self, level: ArrayLike) -> Floats:
        """sigma·G((x - mu) / sigma), G the standard normal loss function."""
        x = np.asarray(level, dtype=np.float64)
        safe = np.where(self.sigma > 0, self.sigma, 1.0)
        value = safe * normal_loss((x - self.mu) / safe)
        return np.asarray(
            np.where(self.sigma > 0, value, np.maximum(self.mu - x, 0.0)), dtype=np.float64
        )

    def fill_level(self, target_shortage: ArrayLike) -> Floats:
        """mu + z·sigma with G(z) = target / sigma (Newton on the convex, decreasing G)."""
        target = np.asarray(target_shortage, dtype=np.float64)
        safe = np.where(self.sigma > 0, self.sigma, 1.0)
        ratio = np.maximum(target / safe, 1e-300)
        z = _inverse_normal_loss(ratio)
        return np.asarray(
            np.where(self.sigma > 0, self.mu + z * safe, self.mu + 0.0 * target),
            dtype=np.float64,
        )


def normal_loss(z: ArrayLike) -> Floats:
    """Standard normal loss G(z) = E[(Z - z)⁺] = φ(z) - z·(1 - Φ(z))."""
    x = np.asarray(z, dtype=np.float64)
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return np.asarray(pdf - x * special.ndtr(-x), dtype=np.float64)


def _inverse_normal_loss(g: Floats) -> Floats:
    # G is convex and decreasing, so Newton from the left of the root converges monotonically;
    # start from a point where G(z0) >= g: z0 = -g or a safe low start.
    z = np.minimum(-np.asarray(g, dtype=np.float64), 0.0) - 1.0
    for _ in range(60):
        value = normal_loss(z) - g
        slope = -special.ndtr(-z)  # G'(z) = -(1 - Φ(z))
        step = value / np.where(slope < 0, slope, -1e-300)
        z = z - step
        if np.all(np.abs(step) < 1e-10):
            break
    return np.asarray(z, dtype=np.float64)


# -- building lead-time demand ----------------------------------------------------------------


def quantile_paths(
    levels: Sequence[float],
    values: ArrayLike,
    n_samples: int = 2000,
    *,
    correlation: float = DEFAULT_CORRELATION,
    floor: float | None = 0.0,
    seed: int | np.random.Generator | None = 0,
) -> Floats:
    """Sample demand paths from per-period quantile forecasts.

    `values` has shape (..., h, k): the forecast quantiles at `levels` (k of them, at least
    two) for each of h periods. Returns (..., n_samples, h). See the module docstring for the
    interpolation (linear in normal scores) and the dependence (Gaussian copula with
    equicorrelation `correlation`: 0 independent, 1 comonotone).
    """
    q = np.asarray(levels, dtype=np.float64)
    if q.ndim != 1 or len(q) < 2:
        raise ValueError("quantile paths need at least two forecast quantiles (e.g. q0.1, q0.9)")
    if np.any((q <= 0) | (q >= 1)) or np.any(np.diff(q) <= 0):
        raise ValueError(f"quantile levels must be increasing inside (0, 1), not {list(q)}")
    v = np.asarray(values, dtype=np.float64)
    if v.ndim < 2 or v.shape[-1] != len(q):
        raise ValueError(f"values must have shape (..., h, {len(q)}), not {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("forecast quantiles contain missing or infinite values")
    if not 0.0 <= correlation <= 1.0:
        raise ValueError(f"correlation must lie in [0, 1], not {correlation}")
    if n_samples < 1:
        raise ValueError("n_samples must be at least 1")
    v = np.maximum.accumulate(v, axis=-1)  # repair crossing quantiles
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    batch, h, k = v.shape[:-2], v.shape[-2], v.shape[-1]
    flat = v.reshape(-1, h, k)
    z = rng.standard_normal((flat.shape[0], n_samples, h))
    if correlation > 0:
        shared = rng.standard_normal((flat.shape[0], n_samples, 1))
        z = math.sqrt(correlation) * shared + math.sqrt(1.0 - correlation) * z
    knots = special.ndtri(q)  # (k,)
    # segment of each z among the knots, clamped to the outer ones for linear extrapolation
    seg = np.zeros(z.shape, dtype=np.intp)
    for knot in knots[1:-1]:
        seg += z > knot
    weight = (z - np.take(knots, seg)) * np.take(1.0 / np.diff(knots), seg)
    # flat index of the lower knot's value: ((series * h) + period) * k + seg
    index = (np.arange(flat.shape[0])[:, None, None] * h + np.arange(h)[None, None, :]) * k
    index = index + seg
    lower = np.take(flat, index)
    paths = lower + (np.take(flat, index + 1) - lower) * weight
    paths = paths.reshape((*batch, n_samples, h))
    if floor is not None:
        paths = np.maximum(paths, floor)
    return np.asarray(paths, dtype=np.float64)


def residual_correlation(residuals: ArrayLike, lags: int) -> float:
    """Mean autocorrelation of forecast errors at lags 1..`lags`, clipped to [0, 1].

    A quick estimate of `quantile_paths`' equicorrelation from a series' own one-step errors;
    0 when there are too few errors (fewer than lags + 3) or they do not vary.
    """
    e = np.asarray(residuals, dtype=np.float64).ravel()
    e = e[np.isfinite(e)]
    if lags < 1 or len(e) < lags + 3:
        return 0.0
    e = e - e.mean()
    denom = float(e @ e)
    if denom <= 0:
        return 0.0
    acf = [float(e[k:] @ e[:-k]) / denom for k in range(1, lags + 1)]
    return float(np.clip(np.mean(acf), 0.0, 1.0))


def lead_time_demand(
    paths: ArrayLike,
    lead_time: float,
    review_period: float = 0.0,
    *,
    method: str = "sample paths",
) -> EmpiricalDemand:
    """The distribution of demand summed over the protection interval L + R, from sample paths.

    `paths` has shape (..., n_samples, h) with h >= ceil(L + R) periods (from
    `quantile_paths`, a bootstrap, or a simulation model). Periods 1..floor(L + R) count in
    full, the next one with the fractional part of L + R.
    """
    periods = protection_periods(lead_time, review_period)
    x = np.asarray(paths, dtype=np.float64)
    if x.ndim < 2 or x.shape[-1] == 0 or x.shape[-2] == 0:
        raise InsufficientDataError("lead-time demand needs at least one sample path")
    if not np.all(np.isfinite(x)):
        raise ValueError("sample paths contain missing or infinite values")
    whole = math.floor(periods + 1e-9)
    frac = periods - whole if periods - whole > 1e-9 else 0.0
    need = whole + (1 if frac else 0)
    if x.shape[-1] < need:
        raise ValueError(
            f"the paths cover {x.shape[-1]} periods but lead time + review period is "
            f"{periods:g} periods: forecast at least {need} periods ahead"
        )
    total = x[..., :whole].sum(axis=-1)
    if frac:
        total = total + frac * x[..., whole]
    return EmpiricalDemand(np.sort(total, axis=-1), periods, method)


def empirical_lead_time_demand(
    history: ArrayLike, lead_time: float, review_period: float = 0.0
) -> EmpiricalDemand:
    """Demand over every window of length L + R in a 1-d history (no forecast needed).

    A fractional L + R interpolates between the sums of the floor and ceiling window lengths.
    InsufficientDataError when the history is empty or shorter than the window.
    """
    periods = protection_periods(lead_time, review_period)
    y = np.asarray(history, dtype=np.float64).ravel()
    if len(y) == 0:
        raise InsufficientDataError("no demand history to build the lead-time demand from")
    if not np.all(np.isfinite(y)):
        raise ValueError("demand history contains missing values; fill gaps with 0 first")
    whole = max(math.floor(periods + 1e-9), 1)
    frac = periods - whole if periods - whole > 1e-9 else 0.0
    need = whole + (1 if frac else 0)
    if len(y) < need:
        raise InsufficientDataError(
            f"{len(y)} periods of history are fewer than the {periods:g}-period protection interval"
        )
    csum = np.concatenate([[0.0], np.cumsum(y)])
    count = len(y) - need + 1
    total = csum[whole : whole + count] - csum[:count]
    if frac:
        longer = csum[need : need + count] - csum[:count]
        total = total + frac * (longer - total)
    return EmpiricalDemand(np.sort(total), periods, "empirical windows")


def normal_lead_time_demand(
    mean: ArrayLike, std: ArrayLike, lead_time: float, review_period: float = 0.0
) -> NormalDemand:
    """Textbook normal lead-time demand: N(mu·(L+R), sigma²·(L+R)) from per-period mu, sigma."""
    periods = protection_periods(lead_time, review_period)
    mu = np.asarray(mean, dtype=np.float64)
    sigma = np.asarray(std, dtype=np.float64)
    if np.any(~np.isfinite(mu)) or np.any(~np.isfinite(sigma)):
        raise InsufficientDataError("demand mean or standard deviation is missing")
    if np.any(sigma < 0):
        raise ValueError("demand standard deviation must be >= 0")
    mu_b, sigma_b = np.broadcast_arrays(mu * periods, sigma * math.sqrt(periods))
    return NormalDemand(
        np.asarray(mu_b, dtype=np.float64), np.asarray(sigma_b, dtype=np.float64), periods
    )


# -- policy parameters ------------------------------------------------------------------------


def reorder_point(
    demand: EmpiricalDemand | NormalDemand,
    service_level: float,
    *,
    measure: ServiceMeasure = "cycle",
    cycle_demand: ArrayLike | None = None,
) -> Floats:
    """The level that protection-interval demand must stay under: s of (s,Q)/(s,S), S of (R,S).

    measure 'cycle': the `service_level` quantile of `demand` (the CSL). measure 'fill': the
    smallest level with expected shortage per cycle <= (1 - β)·`cycle_demand`, where
    `cycle_demand` is the expected demand per replenishment cycle (Q for (s,Q), the mean demand
    of a review period for (R,S)); required for the fill rate.
    """
    level = check_service_level(service_level)
    if _measure(measure) == "cycle":
        return demand.quantile(level)
    if cycle_demand is None:
        raise ValueError(
            "a fill-rate target needs the expected demand per cycle (cycle_demand): the order "
            "quantity Q for (s,Q), the mean demand of one review period for (R,S)"
        )
    q = np.asarray(cycle_demand, dtype=np.float64)
    if np.any(~np.isfinite(q)) or np.any(q < 0):
        raise ValueError("cycle_demand must be a finite number >= 0")
    return demand.fill_level((1.0 - level) * q)


def order_up_to_level(
    demand: EmpiricalDemand | NormalDemand,
    service_level: float,
    *,
    measure: ServiceMeasure = "cycle",
    review_demand: ArrayLike | None = None,
) -> Floats:
    """S of an (R,S) policy; `demand` must cover the lead time plus the review period.

    For a fill-rate target `review_demand` is the expected demand of one review period.
    """
    return reorder_point(demand, service_level, measure=measure, cycle_demand=review_demand)


def safety_stock(
    demand: EmpiricalDemand | NormalDemand,
    service_level: float,
    *,
    measure: ServiceMeasure = "cycle",
    cycle_demand: ArrayLike | None = None,
) -> Floats:
    """Reorder point minus the expected protection-interval demand (may be negative)."""
    point = reorder_point(demand, service_level, measure=measure, cycle_demand=cycle_demand)
    return np.asarray(point - demand.mean(), dtype=np.float64)


def economic_order_quantity(
    demand_rate: ArrayLike, order_cost: ArrayLike, holding_cost: ArrayLike
) -> Floats:
    """EOQ = sqrt(2·D·K / h): D demand per time unit, K cost per order, h holding cost per unit
    per the same time unit. ValueError for missing or negative inputs or h = 0."""
    d = np.asarray(demand_rate, dtype=np.float64)
    k = np.asarray(order_cost, dtype=np.float64)
    h = np.asarray(holding_cost, dtype=np.float64)
    for name, value in (("demand rate", d), ("order cost", k), ("holding cost", h)):
        if np.any(~np.isfinite(value)):
            raise ValueError(f"EOQ needs a {name}; it is missing")
        if np.any(value < 0):
            raise ValueError(f"EOQ needs a {name} >= 0")
    if np.any(h == 0):
        raise ValueError("EOQ needs a holding cost > 0 (with none, any batch size is optimal)")
    return np.asarray(np.sqrt(2.0 * d * k / h), dtype=np.float64)


def round_order_quantity(
    quantity: ArrayLike,
    pack_size: ArrayLike | None = None,
    min_order: ArrayLike | None = None,
) -> Floats:
    """Positive quantities raised to at least `min_order`, then up to whole packs; 0 stays 0.

    Missing (NaN) or zero pack sizes and minimums mean 'none'.
    """
    q = np.asarray(quantity, dtype=np.float64)
    if np.any(np.isnan(q)):
        raise ValueError("order quantity is missing")
    out = np.maximum(q, 0.0)
    positive = out > 1e-12
    if min_order is not None:
        moq = np.nan_to_num(np.asarray(min_order, dtype=np.float64), nan=0.0)
        if np.any(moq < 0):
            raise ValueError("minimum order quantity must be >= 0")
        out = np.where(positive, np.maximum(out, moq), out)
    if pack_size is not None:
        pack = np.nan_to_num(np.asarray(pack_size, dtype=np.float64), nan=0.0)
        if np.any(pack < 0):
            raise ValueError("pack size must be >= 0")
        safe = np.where(pack > 0, pack, 1.0)
        packs = np.ceil(out / safe - 1e-9) * safe
        out = np.where(pack > 0, packs, out)
    return np.asarray(np.where(positive, out, 0.0), dtype=np.float64)
