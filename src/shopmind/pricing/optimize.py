"""Price optimisation within the shop's bounds: the price that maximises expected profit.

Per product, the optimiser searches a grid of candidate prices (every cent, or the prices with
the allowed endings) inside the shop's bounds and picks the one with the highest expected
objective under a demand model. The search is exact on that grid and vectorised across
products for the constant-elasticity curve.

Objective (`objective=`)
    "profit": (p - cost) * units(p); "revenue": p * units(p); a number w in [0, 1] blends them,
    w * profit + (1 - w) * revenue = (p - w * cost) * units(p) (1 is "profit", 0 "revenue").

Demand model
    Anything callable as `expected_units(prices) -> units`, the expected units per period at each
    price (an `ExpectedUnits`). It may also return a 2-D array (draws x prices): sampled demand
    curves, whose mean is the expectation and whose quantiles give the intervals.
    `ConstantElasticity(units, price, elasticity, elasticity_std)` is the curve
    q(p) = q0 * (p / p0) ** e with e ~ Normal(elasticity, elasticity_std): its expectation is
    exact (the lognormal mean q0 * exp(e * ln r + std^2 * ln^2 r / 2), r = p / p0) and, as q,
    revenue, profit and their changes are monotone in e at fixed prices, their intervals are
    exactly the values at the elasticity's own quantiles; no sampling is needed. With
    elasticity_std = 0 and e < -1 the unconstrained profit optimum is the Lerner price
    p* = cost * e / (1 + e).

Bounds (`Bounds`, all optional)
    * min_margin m: the gross margin share of the price, (p - cost) / p >= m, so
      p >= cost / (1 - m) (m = 0.2: at least 20% of the price is margin).
    * min_markup k: the markup on cost, p >= cost * (1 + k).
    * min_price / max_price: absolute limits.
    * max_change x: at most x relative to the current price per step, p in [p0 (1 - x),
      p0 (1 + x)].
    * endings: allowed price endings, e.g. ".99", "0.49|0.99" (x.49 and x.99), "9.99"
      (..9.99, modulo 10), "9" (whole prices ending in 9). A leading "0" integer part means any
      whole amount ("0.99" is ".99"). Only candidates with those endings are searched; the
      current price is always a candidate when it has an allowed ending (or no endings are set)
      and lies within the bounds, so keeping the price is an option.
    * max_above_competitor y: p <= competitor price * (1 + y) (0.05: not more than 5% above;
      negative y: at least |y| below). Products without a competitor price are not limited.
    * stock rule: a product whose stock before the next delivery (on hand + on order) is below
      the expected demand until that delivery at the current price would run out anyway, so
      its price may not be cut (only raised or kept). The rule yields to the hard bounds: when
      they force a price below the current one it allows the highest price they permit.
    * search_range (a, b): the grid never leaves [a * p0, b * p0] (default 0.5x to 2x) unless a
      shop bound forces it to; it is what stops the search when demand is inelastic and
      nothing else does.

Hard bounds that leave no price (min_price above max_price, a margin floor above the max price
or outside the max change, endings with no candidate inside the bounds) raise `PricingError`
naming the product and the contradiction; so do unusable inputs (non-positive prices, missing
or negative costs when the objective or a margin needs them).

The binding constraint is the bound that moved the price away from the optimum of the search
range alone: the lower bound's source when that optimum lies below the feasible interval, the
upper bound's source when above, "endings" when only the snapping moved it, else "none".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from shopmind.errors import InvalidRequestError

__all__ = [
    "Bounds",
    "ConstantElasticity",
    "ExpectedUnits",
    "Objective",
    "PriceDecision",
    "PricingError",
    "optimize_price",
    "optimize_prices",
    "parse_endings",
    "price_recommendations",
]

Floats = NDArray[np.float64]
Objective = Literal["profit", "revenue"] | float

LOWER_SOURCES: Final = ("min_margin", "min_markup", "min_price", "max_change")
UPPER_SOURCES: Final = ("competitor", "max_price", "max_change")
_TIE: Final = 1e-12


class PricingError(InvalidRequestError, ValueError):
    """Contradictory bounds or unusable inputs for a price optimisation."""


class ExpectedUnits(Protocol):
    """A product's demand model: expected units per period at each of `prices` (1-D), or
    sampled curves (draws x prices) whose mean is the expectation."""

    def __call__(self, prices: Floats, /) -> Floats: ...


@dataclass(frozen=True)
class ConstantElasticity:
    """q(p) = units * (p / price) ** e, e ~ Normal(elasticity, elasticity_std).

    `units` is the expected demand per period at the reference (usually current) `price`.
    """

    units: float
    price: float
    elasticity: float
    elasticity_std: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.price) and self.price > 0):
            raise PricingError(f"the reference price must be positive, not {self.price}")
        if not (math.isfinite(self.units) and self.units >= 0):
            raise PricingError(f"baseline units must be 0 or more, not {self.units}")
        if not math.isfinite(self.elasticity):
            raise PricingError("the elasticity is missing")
        if not (math.isfinite(self.elasticity_std) and self.elasticity_std >= 0):
            raise PricingError(f"elasticity_std must be 0 or more, not {self.elasticity_std}")

    def __call__(self, prices: Floats, /) -> Floats:
        log_ratio = np.log(np.asarray(prices, dtype=np.float64) / self.price)
        exponent = self.elasticity * log_ratio + 0.5 * self.elasticity_std**2 * log_ratio**2
        return np.asarray(self.units * np.exp(exponent), dtype=np.float64)

    def at(self, prices: Floats, elasticity: float) -> Floats:
        """Units at `prices` if the elasticity were exactly `elasticity`."""
        ratio = np.asarray(prices, dtype=np.float64) / self.price
        return np.asarray(self.units * ratio**elasticity, dtype=np.float64)

    @classmethod
    def from_interval(
        cls, units: float, price: float, lo: float, hi: float, level: float = 0.9
    ) -> ConstantElasticity:
        """The curve whose elasticity has the central `level` interval [lo, hi] (normal)."""
        z = float(stats.norm.ppf(0.5 + level / 2.0))
        return cls(units, price, (lo + hi) / 2.0, abs(hi - lo) / (2.0 * z))


# -- bounds -------------------------------------------------------------------------------------


def parse_endings(endings: str | Sequence[str] | None) -> tuple[tuple[int, int], ...]:
    """Allowed endings as (modulus, offset) pairs in cents: ".99" -> (100, 99), "9.99" ->
    (1000, 999), "9" -> (1000, 900), "0.49|0.99" -> ((100, 49), (100, 99))."""
    if endings is None:
        return ()
    items = re.split(r"[|,]", endings) if isinstance(endings, str) else list(endings)
    parsed: list[tuple[int, int]] = []
    for raw in items:
        text = str(raw).strip()
        match = re.fullmatch(r"(\d*)(?:\.(\d{1,2}))?", text)
        if not text or match is None or (match.group(1) == "" and match.group(2) is None):
            raise PricingError(
                f"price ending {raw!r} is not understood: use digits with at most two decimals, "
                "e.g. '.99', '0.49|0.99', '9.99' or '9'"
            )
        whole = match.group(1).lstrip("0")
        cents = (match.group(2) or "").ljust(2, "0")
        modulus = 100 * 10 ** len(whole)
        offset = int(whole or "0") * 100 + int(cents)
        parsed.append((modulus, offset))
    if not parsed:
        raise PricingError("no price endings given")
    return tuple(sorted(set(parsed)))


@dataclass(frozen=True)
class Bounds:
    """The shop's pricing rules; see the module docstring for each."""

    min_margin: float | None = None
    min_markup: float | None = None
    min_price: float | None = None
    max_price: float | None = None
    max_change: float | None = None
    endings: str | Sequence[str] | None = None
    max_above_competitor: float | None = None
    search_range: tuple[float, float] = (0.5, 2.0)
    step: float = 0.01
    max_candidates: int = 2001
    _endings: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.min_margin is not None and not 0.0 <= self.min_margin < 1.0:
            raise PricingError(
                f"min_margin is a share of the price in [0, 1), not {self.min_margin}"
            )
        if self.min_markup is not None and not self.min_markup >= 0.0:
            raise PricingError(f"min_markup must be 0 or more, not {self.min_markup}")
        for name in ("min_price", "max_price"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise PricingError(f"{name} must be positive, not {value}")
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise PricingError(
                f"contradictory bounds: min_price {self.min_price:g} is above "
                f"max_price {self.max_price:g}"
            )
        if self.max_change is not None and not 0.0 < self.max_change < 1.0:
            raise PricingError(f"max_change must lie in (0, 1), not {self.max_change}")
        if self.max_above_competitor is not None and not self.max_above_competitor > -1.0:
            raise PricingError(
                f"max_above_competitor must be above -1, not {self.max_above_competitor}"
            )
        low, high = self.search_range
        if not 0.0 < low <= 1.0 <= high:
            raise PricingError(f"search_range must satisfy 0 < a <= 1 <= b, not {low, high}")
        if not self.step > 0:
            raise PricingError(f"step must be positive, not {self.step}")
        if self.max_candidates < 2:
            raise PricingError("max_candidates must be 2 or more")
        object.__setattr__(self, "_endings", parse_endings(self.endings))

    @property
    def ending_rules(self) -> tuple[tuple[int, int], ...]:
        """The parsed endings: (modulus, offset) in cents."""
        return self._endings

    def needs_cost(self) -> bool:
        return self.min_margin is not None or self.min_markup is not None


# -- decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceDecision:
    """One product's recommendation: the price, the expected outcome now and at the new price
    (mean and interval at `level`), the binding constraint and the reason in words."""

    product_id: str
    price: float
    recommended_price: float
    change_pct: float
    expected: Mapping[str, float]
    binding: str
    reason: str
    lower: float
    upper: float
    sells_out: bool


@dataclass
class _Problem:
    ids: list[str]
    price: Floats
    cost: Floats
    competitor: Floats
    sells_out: NDArray[np.bool_]
    stock: Floats
    demand_to_delivery: Floats
    min_price: Floats
    max_price: Floats


def _weight(objective: Objective) -> float:
    if objective == "profit":
        return 1.0
    if objective == "revenue":
        return 0.0
    if isinstance(objective, str):
        raise PricingError(f"objective is 'profit', 'revenue' or a weight, not {objective!r}")
    w = float(objective)
    if not 0.0 <= w <= 1.0:
        raise PricingError(f"an objective weight must lie in [0, 1], not {w}")
    return w


def _check_inputs(problem: _Problem, bounds: Bounds, weight: float) -> None:
    for i, pid in enumerate(problem.ids):
        p, c = problem.price[i], problem.cost[i]
        if not (math.isfinite(p) and p > 0):
            raise PricingError(f"product {pid}: the current price must be positive, not {p}")
        if math.isfinite(c) and c < 0:
            raise PricingError(f"product {pid}: the cost must be 0 or more, not {c}")
        if not math.isfinite(c) and (weight > 0 or bounds.needs_cost()):
            need = "optimising profit" if weight > 0 else "a minimum margin"
            raise PricingError(f"product {pid}: the cost is missing, and {need} needs it")
        lo, hi = problem.min_price[i], problem.max_price[i]
        if math.isfinite(lo) and math.isfinite(hi) and lo > hi:
            raise PricingError(
                f"product {pid}: contradictory bounds: min_price {lo:g} is above max_price {hi:g}"
            )


def _describe(source: str, bounds: Bounds) -> str:
    texts = {
        "min_margin": f"the minimum margin of {bounds.min_margin or 0:.0%}",
        "min_markup": f"the minimum markup of {bounds.min_markup or 0:.0%}",
        "min_price": "the minimum price",
        "max_price": "the maximum price",
        "max_change": f"the maximum change of ±{bounds.max_change or 0:.0%}",
        "competitor": (
            f"the limit of {bounds.max_above_competitor or 0:+.0%} against the competitor's price"
        ),
        "stock": "the stock rule (it sells out before the next delivery at the current price)",
        "search_range": (
            f"the search range ({bounds.search_range[0]:g}x to {bounds.search_range[1]:g}x the "
            "current price)"
        ),
        "endings": f"the allowed endings ({bounds.endings})",
    }
    return texts.get(source, source)


def _limits(
    problem: _Problem, bounds: Bounds
) -> tuple[Floats, Floats, NDArray[np.str_], NDArray[np.str_]]:
    """Feasible [lower, upper] per product and the source of each; PricingError if empty."""
    p0, cost, n = problem.price, problem.cost, len(problem.ids)
    nan = np.full(n, np.nan)
    lows: dict[str, Floats] = {
        "min_margin": cost / (1.0 - bounds.min_margin) if bounds.min_margin is not None else nan,
        "min_markup": cost * (1.0 + bounds.min_markup) if bounds.min_markup is not None else nan,
        "min_price": problem.min_price,
        "max_change": p0 * (1.0 - bounds.max_change) if bounds.max_change is not None else nan,
    }
    highs: dict[str, Floats] = {
        "competitor": (
            problem.competitor * (1.0 + bounds.max_above_competitor)
            if bounds.max_above_competitor is not None
            else nan
        ),
        "max_price": problem.max_price,
        "max_change": p0 * (1.0 + bounds.max_change) if bounds.max_change is not None else nan,
    }
    low_stack = np.column_stack([lows[s] for s in LOWER_SOURCES])
    high_stack = np.column_stack([highs[s] for s in UPPER_SOURCES])
    low_any = ~np.isnan(low_stack).all(axis=1)
    high_any = ~np.isnan(high_stack).all(axis=1)
    lower = np.where(low_any, np.nanmax(np.where(np.isnan(low_stack), -np.inf, low_stack), 1), 0)
    upper = np.where(high_any, np.nanmin(np.where(np.isnan(high_stack), np.inf, high_stack), 1), 0)
    upper = np.where(high_any, upper, np.inf)
    low_src = np.where(
        low_any,
        np.asarray(LOWER_SOURCES)[np.argmax(np.where(np.isnan(low_stack), -np.inf, low_stack), 1)],
        "",
    )
    high_src = np.where(
        high_any,
        np.asarray(UPPER_SOURCES)[np.argmin(np.where(np.isnan(high_stack), np.inf, high_stack), 1)],
        "",
    )
    bad = np.flatnonzero(np.ceil(lower * 100 - 1e-6) > np.floor(upper * 100 + 1e-6))
    if bad.size:
        i = int(bad[0])
        raise PricingError(
            f"product {problem.ids[i]}: contradictory bounds: {_describe(str(low_src[i]), bounds)}"
            f" needs a price of at least {lower[i]:.2f}, but {_describe(str(high_src[i]), bounds)}"
            f" allows at most {upper[i]:.2f}"
            + (f" (current price {p0[i]:.2f})" if "max_change" in (low_src[i], high_src[i]) else "")
        )
    # the stock rule: no cut, unless the hard bounds force one
    stock_floor = np.where(problem.sells_out, np.minimum(p0, upper), -np.inf)
    use = stock_floor > lower
    lower = np.where(use, stock_floor, lower)
    low_src = np.where(use, "stock", low_src)
    # the search range: a fallback that never contradicts the shop's bounds
    a, b = bounds.search_range
    range_low = np.minimum(p0 * a, upper)
    use = range_low > lower
    lower = np.where(use, range_low, lower)
    low_src = np.where(use, "search_range", low_src)
    range_high = np.maximum(p0 * b, lower)
    use = range_high < upper
    upper = np.where(use, range_high, upper)
    high_src = np.where(use, "search_range", high_src)
    return lower, upper, low_src.astype(str), high_src.astype(str)


def _step(lower: Floats, upper: Floats, bounds: Bounds) -> Floats:
    """The grid step in cents: `bounds.step`, coarser when the range needs more candidates."""
    width = np.floor(upper * 100 + 1e-6) - np.ceil(lower * 100 - 1e-6)
    fine = max(1, round(bounds.step * 100))
    return np.maximum(fine, np.ceil(width / (bounds.max_candidates - 1))).astype(np.float64)


def _refined(
    coarse: Floats,
    lower: Floats,
    upper: Floats,
    bounds: Bounds,
    value: Callable[[Floats], Floats],
    current: Floats,
) -> Floats:
    """Where the grid was coarser than `bounds.step`, search again at that step around the best
    coarse candidate (one step either side)."""
    step = _step(lower, upper, bounds) / 100.0
    fine = max(1, round(bounds.step * 100)) / 100.0
    if not (step > fine + 1e-9).any():
        return coarse
    lo = np.maximum(lower, coarse - step)
    hi = np.minimum(upper, coarse + step)
    grid = np.column_stack([_grid(lo, hi, bounds) / 100.0, coarse])
    return _best(grid, value(grid), current)


def _grid(lower: Floats, upper: Floats, bounds: Bounds) -> Floats:
    """Candidate prices in cents inside [lower, upper] (NaN-padded rows), no endings."""
    lo = np.ceil(lower * 100 - 1e-6)
    hi = np.floor(upper * 100 + 1e-6)
    width = hi - lo
    step = _step(lower, upper, bounds)
    count = (np.floor(width / step) + 1).astype(np.int64)
    cols = np.arange(int(count.max()))
    grid = lo[:, None] + cols[None, :] * step[:, None]
    grid = np.where(cols[None, :] < count[:, None], grid, np.nan)
    return np.column_stack([grid, hi])  # the upper bound itself is a candidate


def _ending_grid(
    ids: list[str],
    lower: Floats,
    upper: Floats,
    bounds: Bounds,
    sources: tuple[NDArray[np.str_], ...],
) -> Floats:
    """Candidate prices in cents with an allowed ending inside [lower, upper]."""
    lo = np.ceil(lower * 100 - 1e-6)
    hi = np.floor(upper * 100 + 1e-6)
    parts: list[Floats] = []
    for modulus, offset in bounds.ending_rules:
        first = np.ceil((lo - offset) / modulus)
        last = np.floor((hi - offset) / modulus)
        count = np.clip(last - first + 1, 0, None).astype(np.int64)
        limit = int(min(count.max(initial=0), bounds.max_candidates))
        cols = np.arange(limit)
        stride = np.maximum(1, np.ceil(count / max(limit, 1)))
        values = (first[:, None] + cols[None, :] * stride[:, None]) * modulus + offset
        parts.append(np.where(cols[None, :] < count[:, None] / stride[:, None], values, np.nan))
    grid = np.column_stack(parts) if parts else np.full((len(ids), 0), np.nan)
    empty = np.flatnonzero(np.isnan(grid).all(axis=1))
    if empty.size:
        i = int(empty[0])
        low_src, high_src = sources
        raise PricingError(
            f"product {ids[i]}: contradictory bounds: no price ending in {bounds.endings} lies "
            f"between {lower[i]:.2f} ({_describe(str(low_src[i]), bounds)}) and {upper[i]:.2f} "
            f"({_describe(str(high_src[i]), bounds)})"
        )
    return grid


def _on_ending(cents: Floats, bounds: Bounds) -> NDArray[np.bool_]:
    if not bounds.ending_rules:
        return np.ones(cents.shape, dtype=bool)
    ok = np.zeros(cents.shape, dtype=bool)
    for modulus, offset in bounds.ending_rules:
        ok |= np.isclose(np.mod(cents, modulus), offset)
    return ok


def _expected(models: Sequence[ExpectedUnits], prices: Floats) -> Floats:
    """Expected units at each candidate (rows: products); NaN where the price is NaN."""
    out = np.full(prices.shape, np.nan)
    if all(isinstance(m, ConstantElasticity) for m in models) and models:
        ce = [m for m in models if isinstance(m, ConstantElasticity)]
        q0 = np.array([m.units for m in ce])[:, None]
        p0 = np.array([m.price for m in ce])[:, None]
        e = np.array([m.elasticity for m in ce])[:, None]
        s = np.array([m.elasticity_std for m in ce])[:, None]
        with np.errstate(invalid="ignore"):
            log_ratio = np.log(prices / p0)
            return np.asarray(q0 * np.exp(e * log_ratio + 0.5 * s**2 * log_ratio**2))
    for i, model in enumerate(models):
        row = prices[i]
        ok = ~np.isnan(row)
        values = np.asarray(model(row[ok]), dtype=np.float64)
        if values.ndim == 2:
            values = values.mean(axis=0)
        if values.shape != (int(ok.sum()),):
            raise PricingError("a demand model must return one value per price (or draws x prices)")
        out[i, ok] = values
    return out


def _best(candidates: Floats, value: Floats, current: Floats) -> Floats:
    """Per row the candidate with the highest value; ties go to the one nearest `current`."""
    filled = np.where(np.isnan(value), -np.inf, value)
    top = filled.max(axis=1, keepdims=True)
    tol = _TIE * np.maximum(np.abs(top), 1e-12)
    near = filled >= top - tol
    distance = np.where(near, np.abs(candidates - current[:, None]), np.inf)
    idx = np.argmin(distance, axis=1)
    return np.asarray(candidates[np.arange(len(candidates)), idx], dtype=np.float64)


def _scenario_units(models: Sequence[ExpectedUnits], prices: Floats, level: float) -> list[Floats]:
    """Per product, units at `prices` (1-D, e.g. [now, new]) under each scenario (rows)."""
    out: list[Floats] = []
    for model, row in zip(models, prices, strict=True):
        if isinstance(model, ConstantElasticity):
            z = float(stats.norm.ppf(0.5 + level / 2.0)) * model.elasticity_std
            out.append(
                np.vstack(
                    [model.at(row, model.elasticity - z), model.at(row, model.elasticity + z)]
                )
            )
        else:
            values = np.asarray(model(row), dtype=np.float64)
            out.append(values[None, :] if values.ndim == 1 else values)
    return out


def _interval(samples: Floats, model: ExpectedUnits, level: float) -> tuple[float, float]:
    if isinstance(model, ConstantElasticity):  # exact: the ends of a monotone function
        return float(samples.min()), float(samples.max())
    tail = (1.0 - level) / 2.0
    return float(np.quantile(samples, tail)), float(np.quantile(samples, 1.0 - tail))


def optimize_prices(
    product_ids: Sequence[str],
    prices: ArrayLike,
    costs: ArrayLike,
    demand: Sequence[ExpectedUnits],
    bounds: Bounds | None = None,
    *,
    objective: Objective = "profit",
    competitor_prices: ArrayLike | None = None,
    stock: ArrayLike | None = None,
    demand_to_delivery: ArrayLike | None = None,
    min_prices: ArrayLike | None = None,
    max_prices: ArrayLike | None = None,
    level: float = 0.9,
) -> list[PriceDecision]:
    """The best price of every product within `bounds` (see the module docstring).

    `stock` (on hand + on order before the next delivery) and `demand_to_delivery` (expected
    units until the next delivery at the current price) switch the stock rule on where both are
    given (NaN: off). `min_prices` / `max_prices` override the bounds' per product (NaN: use
    the bounds'). `level` is the interval level of the expected outcomes.
    """
    bounds = bounds or Bounds()
    weight = _weight(objective)
    if not 0.0 < level < 1.0:
        raise PricingError(f"level must lie in (0, 1), not {level}")
    ids = [str(p) for p in product_ids]
    n = len(ids)
    if len(demand) != n:
        raise PricingError(f"{len(demand)} demand models for {n} products")

    def column(values: ArrayLike | None, default: float = np.nan) -> Floats:
        if values is None:
            return np.full(n, default)
        array = np.asarray(values, dtype=np.float64).ravel()
        if array.shape != (n,):
            raise PricingError(f"expected {n} values, one per product, not {array.shape[0]}")
        return array

    stock_arr, need = column(stock), column(demand_to_delivery)
    min_arr = column(min_prices, bounds.min_price if bounds.min_price is not None else np.nan)
    max_arr = column(max_prices, bounds.max_price if bounds.max_price is not None else np.nan)
    if min_prices is not None and bounds.min_price is not None:
        min_arr = np.where(np.isnan(min_arr), bounds.min_price, min_arr)
    if max_prices is not None and bounds.max_price is not None:
        max_arr = np.where(np.isnan(max_arr), bounds.max_price, max_arr)
    problem = _Problem(
        ids=ids,
        price=column(prices),
        cost=column(costs),
        competitor=column(competitor_prices),
        sells_out=np.asarray(stock_arr < need, dtype=bool),
        stock=stock_arr,
        demand_to_delivery=need,
        min_price=min_arr,
        max_price=max_arr,
    )
    if n == 0:
        return []
    _check_inputs(problem, bounds, weight)
    lower, upper, low_src, high_src = _limits(problem, bounds)
    cents = (
        _ending_grid(ids, lower, upper, bounds, (low_src, high_src))
        if bounds.ending_rules
        else _grid(lower, upper, bounds)
    )
    current = problem.price * 100
    keep = (
        (current >= np.ceil(lower * 100 - 1e-6) - 1e-6)
        & (current <= np.floor(upper * 100 + 1e-6) + 1e-6)
        & _on_ending(np.round(current), bounds)
    )
    cents = np.column_stack([cents, np.where(keep, current, np.nan)])
    candidates = cents / 100.0
    cost_w = np.nan_to_num(problem.cost) * weight
    units = _expected(demand, candidates)

    def objective_at(prices: Floats) -> Floats:
        return np.asarray((prices - cost_w[:, None]) * _expected(demand, prices))

    chosen = _best(candidates, (candidates - cost_w[:, None]) * units, problem.price)
    if not bounds.ending_rules:
        chosen = _refined(chosen, lower, upper, bounds, objective_at, problem.price)
    # the optimum of the search range alone, to name the binding constraint
    a, b = bounds.search_range
    free = _grid(problem.price * a, problem.price * b, bounds) / 100.0
    free_best = _best(free, objective_at(free), problem.price)
    free_best = _refined(
        free_best, problem.price * a, problem.price * b, bounds, objective_at, problem.price
    )

    decisions: list[PriceDecision] = []
    pairs = np.column_stack([problem.price, chosen])
    scenarios = _scenario_units(demand, pairs, level)
    expected_pairs = _expected(demand, pairs)
    for i, pid in enumerate(ids):
        p0, p1, c = float(problem.price[i]), float(chosen[i]), float(problem.cost[i])
        binding = _binding(
            p1,
            float(free_best[i]),
            float(lower[i]),
            float(upper[i]),
            low_src[i],
            high_src[i],
            bool(bounds.ending_rules),
        )
        expected = _outcomes(
            expected_pairs[i], scenarios[i], demand[i], np.array([p0, p1]), c, level
        )
        decisions.append(
            PriceDecision(
                product_id=pid,
                price=p0,
                recommended_price=round(p1, 2),
                change_pct=round(100.0 * (p1 / p0 - 1.0), 2),
                expected=expected,
                binding=binding,
                reason=_reason(
                    p0, p1, c, float(free_best[i]), binding, demand[i], bounds, problem, i, weight
                ),
                lower=float(lower[i]),
                upper=float(upper[i]),
                sells_out=bool(problem.sells_out[i]),
            )
        )
    return decisions


def _binding(
    chosen: float,
    free: float,
    lower: float,
    upper: float,
    low_src: str,
    high_src: str,
    endings: bool,
) -> str:
    if free < lower - 0.005 and low_src:
        return low_src
    if free > upper + 0.005 and high_src:
        return high_src
    if abs(chosen - free) > 0.005 and endings:
        return "endings"
    if low_src == "search_range" and chosen <= lower + 0.005:
        return "search_range"
    if high_src == "search_range" and chosen >= upper - 0.005:
        return "search_range"
    return "none"


def _outcomes(
    expected: Floats,
    scenarios: Floats,
    model: ExpectedUnits,
    prices: Floats,
    cost: float,
    level: float,
) -> dict[str, float]:
    """Units, revenue and profit now and at the new price, and their changes, with intervals."""
    c = cost if math.isfinite(cost) else np.nan
    result: dict[str, float] = {}
    quantities: dict[str, tuple[Floats, Floats]] = {}
    for k, when in enumerate(("now", "new")):
        quantities[f"units_{when}"] = (expected[k : k + 1], scenarios[:, k])
        quantities[f"revenue_{when}"] = (
            prices[k] * expected[k : k + 1],
            prices[k] * scenarios[:, k],
        )
        quantities[f"profit_{when}"] = (
            (prices[k] - c) * expected[k : k + 1],
            (prices[k] - c) * scenarios[:, k],
        )
    for name in ("units", "revenue", "profit"):
        now, new = quantities[f"{name}_now"], quantities[f"{name}_new"]
        quantities[f"delta_{name}"] = (new[0] - now[0], new[1] - now[1])
    for name, (mean, draws) in quantities.items():
        result[name] = float(mean[0])
        lo, hi = _interval(draws, model, level) if np.isfinite(draws).all() else (np.nan, np.nan)
        result[f"{name}_lo"] = lo
        result[f"{name}_hi"] = hi
    return result


def _reason(
    p0: float,
    p1: float,
    cost: float,
    free: float,
    binding: str,
    model: ExpectedUnits,
    bounds: Bounds,
    problem: _Problem,
    i: int,
    weight: float,
) -> str:
    change = p1 / p0 - 1.0
    if abs(change) < 5e-5:
        verb = "kept"
    else:
        verb = f"{'raised' if change > 0 else 'lowered'} {abs(change):.1%}"
    why: list[str] = []
    if isinstance(model, ConstantElasticity):
        e = model.elasticity
        text = f"elasticity {e:.2f}"
        if model.elasticity_std > 0:
            text += f" ± {model.elasticity_std:.2f}"
        goal = {1.0: "profit", 0.0: "revenue"}.get(weight, "the blended objective")
        if weight > 0 and e < -1 and math.isfinite(cost) and model.elasticity_std == 0:
            text += f" puts the best {goal} at {weight * cost * e / (1 + e):.2f}"
        elif weight > 0 and e < -1:
            text += f" puts the best expected {goal} at {free:.2f}"
        elif e >= -1:
            text += f" makes demand inelastic: {goal} grows with the price"
        else:
            text += f" makes demand elastic: {goal} grows as the price falls"
        why.append(text)
    else:
        why.append(f"the demand model puts the best price at {free:.2f}")
    if binding == "stock":
        why.append(
            f"not cut: stock ({problem.stock[i]:g}) runs out before the next delivery at the "
            f"current price (expected demand {problem.demand_to_delivery[i]:g})"
        )
    elif binding == "endings":
        why.append(f"snapped to the allowed endings ({bounds.endings})")
    elif binding != "none":
        side = "held up" if p1 > free else "capped"
        why.append(f"{side} by {_describe(binding, bounds)}")
    elif problem.sells_out[i]:
        why.append("stock runs out before the next delivery at the current price")
    return f"{verb}: " + "; ".join(why)


def optimize_price(
    product_id: str,
    price: float,
    cost: float | None,
    demand: ExpectedUnits,
    bounds: Bounds | None = None,
    *,
    objective: Objective = "profit",
    competitor_price: float | None = None,
    stock: float | None = None,
    demand_to_delivery: float | None = None,
    level: float = 0.9,
) -> PriceDecision:
    """One product's best price: `optimize_prices` for a single product."""

    def value(x: float | None) -> float:
        return np.nan if x is None else float(x)

    return optimize_prices(
        [product_id],
        [price],
        [value(cost)],
        [demand],
        bounds,
        objective=objective,
        competitor_prices=[value(competitor_price)],
        stock=[value(stock)],
        demand_to_delivery=[value(demand_to_delivery)],
        level=level,
    )[0]


# -- the frame API ------------------------------------------------------------------------------

_OUTCOME_COLUMNS: Final = [
    f"{name}{suffix}"
    for name in (
        "units_now",
        "units_new",
        "delta_units",
        "revenue_now",
        "revenue_new",
        "delta_revenue",
        "profit_now",
        "profit_new",
        "delta_profit",
    )
    for suffix in ("", "_lo", "_hi")
]


def _baseline(frame: pd.DataFrame, col: Callable[[str], Floats]) -> tuple[Floats, Floats, Floats]:
    """Baseline units at the current price, the price and the elasticity: `units` (or
    `baseline_units`) as given, else the demand curve's ref_units at ref_price moved to the
    current price along the elasticity (estimate_elasticities' columns)."""
    price, e = col("price"), col("elasticity")
    if "pooled_elasticity" in frame.columns:
        e = np.where(np.isfinite(e), e, col("pooled_elasticity"))
    for name in ("units", "baseline_units"):
        if name in frame.columns:
            return col(name), price, e
    if {"ref_units", "ref_price"} <= set(frame.columns):
        with np.errstate(invalid="ignore", divide="ignore"):
            units = col("ref_units") * (price / col("ref_price")) ** e
        return np.asarray(units, dtype=np.float64), price, e
    raise PricingError("products lack the baseline units column (units, or ref_units/ref_price)")


def price_recommendations(
    products: pd.DataFrame,
    bounds: Bounds | None = None,
    *,
    objective: Objective = "profit",
    level: float = 0.9,
    ci_level: float = 0.9,
    demand: Mapping[str, ExpectedUnits] | Callable[[pd.Series], ExpectedUnits] | None = None,
) -> pd.DataFrame:
    """One recommendation row per product.

    `products` columns: product_id, price (current), cost, elasticity, and its uncertainty as
    `elasticity_std` (or `std_error`) or as an interval `elasticity_lo` / `elasticity_hi` (or
    `ci_low` / `ci_high`) at `ci_level` (none: no uncertainty), baseline units per period at
    the current price (`units`, or `baseline_units`, or the curve's `ref_units` at `ref_price`).
    A row of `estimate_elasticities` fits: a product whose own elasticity is missing takes
    `pooled_elasticity` / `pooled_std_error` when those columns exist. Optional:
    competitor_price, stock (or on_hand and on_order) with demand_to_delivery (expected units
    until the next delivery at the current price) for the stock rule, min_price / max_price per
    product (override `bounds`). `demand` replaces the
    constant-elasticity curve: a mapping product_id -> model or a function of the row.

    Returns product_id, price, cost, recommended_price, change_pct, the expected units,
    revenue and profit per period now and at the recommended price and their changes, each with
    a `level` interval (_lo, _hi), binding (the constraint that moved the price), sells_out and
    reason.
    """
    missing = [c for c in ("product_id", "price") if c not in products.columns]
    if missing:
        raise PricingError(f"products lack the column(s) {', '.join(missing)}")
    frame = products.reset_index(drop=True)
    ids = frame["product_id"].astype(str).tolist()
    n = len(frame)

    def col(name: str) -> Floats:
        if name not in frame.columns:
            return np.full(n, np.nan)
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)

    models: list[ExpectedUnits] = []
    if demand is None:
        if "elasticity" not in frame.columns:
            raise PricingError("products lack the column elasticity (or pass `demand`)")
        units, price, e = _baseline(frame, col)
        std = col("elasticity_std") if "elasticity_std" in frame.columns else col("std_error")
        for lo_name, hi_name in (("elasticity_lo", "elasticity_hi"), ("ci_low", "ci_high")):
            if np.isnan(std).all() and {lo_name, hi_name} <= set(frame.columns):
                z = float(stats.norm.ppf(0.5 + ci_level / 2.0))
                std = np.abs(col(hi_name) - col(lo_name)) / (2.0 * z)
        if "pooled_elasticity" in frame.columns:  # not identified: the category's estimate
            own = np.isfinite(e)
            e = np.where(own, e, col("pooled_elasticity"))
            std = np.where(own, std, col("pooled_std_error"))
        std = np.nan_to_num(std)
        for i, pid in enumerate(ids):
            if not (math.isfinite(price[i]) and price[i] > 0):
                raise PricingError(
                    f"product {pid}: the current price must be positive, not {price[i]}"
                )
            try:
                models.append(ConstantElasticity(units[i], price[i], e[i], std[i]))
            except PricingError as error:
                raise PricingError(f"product {pid}: {error}") from None
    else:
        for i, pid in enumerate(ids):
            if isinstance(demand, Mapping):
                if pid not in demand:
                    raise PricingError(f"product {pid}: no demand model")
                models.append(demand[pid])
            else:
                models.append(demand(frame.iloc[i]))
    stock = col("stock")
    if "stock" not in frame.columns and "on_hand" in frame.columns:
        stock = col("on_hand") + np.nan_to_num(col("on_order"))
    decisions = optimize_prices(
        ids,
        col("price"),
        col("cost"),
        models,
        bounds,
        objective=objective,
        competitor_prices=col("competitor_price"),
        stock=stock,
        demand_to_delivery=col("demand_to_delivery"),
        min_prices=col("min_price") if "min_price" in frame.columns else None,
        max_prices=col("max_price") if "max_price" in frame.columns else None,
        level=level,
    )
    rows = [
        {
            "product_id": d.product_id,
            "price": d.price,
            "cost": float(c),
            "recommended_price": d.recommended_price,
            "change_pct": d.change_pct,
            **{k: d.expected[k] for k in _OUTCOME_COLUMNS},
            "binding": d.binding,
            "sells_out": d.sells_out,
            "reason": d.reason,
        }
        for d, c in zip(decisions, col("cost"), strict=True)
    ]
    columns = [
        "product_id",
        "price",
        "cost",
        "recommended_price",
        "change_pct",
        *_OUTCOME_COLUMNS,
        "binding",
        "sells_out",
        "reason",
    ]
    return pd.DataFrame(rows, columns=columns)
