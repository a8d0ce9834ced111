"""Replay an inventory policy over demand series: service, stock, orders and cost.

Periodic time steps (a period is a day or a week: whatever the demand series counts). Each
period t, in this order:

1. **review** (when t is a review period of the policy): the inventory position
   IP = on hand + on order - backorders is compared with the policy and an order placed;
2. **receipt** of the orders placed at t - L (an order placed in period t is available for the
   demand of period t + L; L = 0 is immediate delivery). The protection interval of an order
   is therefore L + R periods, as in the textbook formulas;
3. **demand**: served from stock on hand; the rest is lost (`lost_sales=True`) or backordered
   and served first from later receipts.

Policies (Silver, Pyke & Thomas 2017, ch. 6; Axsäter 2015, ch. 4-5), each checked every
`review_period` periods:

* `OrderUpTo` (R,S): order S - IP whenever IP < S;
* `MinMax` (s,S): when IP <= s, order S - IP;
* `ReorderQuantity` (s,Q): when IP <= s, order the smallest multiple n·Q lifting IP above s.

Their parameters may be scalars, one per series (n,), or one per series and period (n, T):
a policy recomputed every period from the data up to then (a rolling replay).

Reported per series, over the periods after `warmup`:

* fill rate = demand served from stock in its period / demand;
* stock-out period = a period that ends with unmet demand (sales lost in it, or backorders
  outstanding at its end: net inventory < 0);
* cycle service level = share of review cycles (the R periods from one review to the next)
  with no stock-out period; with R = 1 it is the share of periods without a stock-out;
* lost sales (units), backorder units created, average on hand (end-of-period stock on hand,
  the convention of periodic-review models), number of orders;
* holding cost = h·Σ end-of-period on hand, ordering cost = K·orders, shortage cost =
  p·(units not served in their period), total = their sum.

The loop runs over periods with numpy across series, so thousands of series x hundreds of
periods take milliseconds. `plot_stock` draws one series' stock curve to a PNG.

References: E. A. Silver, D. F. Pyke, D. J. Thomas, *Inventory and Production Management in
Supply Chains*, 4th ed., CRC Press 2017; S. Axsäter, *Inventory Control*, 3rd ed., Springer 2015.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Costs",
    "MinMax",
    "OrderUpTo",
    "Policy",
    "ReorderQuantity",
    "SimulationResult",
    "StockPaths",
    "plot_stock",
    "simulate",
]

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class OrderUpTo:
    """(R,S): every `review_period` periods, order up to `level` S."""

    level: ArrayLike
    review_period: int = 1


@dataclass(frozen=True)
class MinMax:
    """(s,S): at a review with inventory position <= s, order up to S."""

    reorder_point: ArrayLike
    level: ArrayLike
    review_period: int = 1


@dataclass(frozen=True)
class ReorderQuantity:
    """(s,Q): at a review with inventory position <= s, order n·Q (smallest n lifting it > s)."""

    reorder_point: ArrayLike
    quantity: ArrayLike
    review_period: int = 1


Policy = OrderUpTo | MinMax | ReorderQuantity


@dataclass(frozen=True)
class Costs:
    """Holding cost per unit on hand per period, cost per order, penalty per unit short."""

    holding: ArrayLike = 0.0
    order: ArrayLike = 0.0
    shortage: ArrayLike = 0.0


@dataclass(frozen=True)
class StockPaths:
    """Per-period trajectories, shape (n, T): what `plot_stock` draws."""

    demand: Floats
    on_hand: Floats
    """End of period."""
    backorders: Floats
    """End of period."""
    orders: Floats
    """Quantity ordered in the period (at its review)."""
    receipts: Floats
    served: Floats
    unmet: Floats
    position: Floats
    """Inventory position after the period's order (before its receipts and demand)."""


@dataclass(frozen=True)
class SimulationResult:
    """Per-series results, each an array of shape (n,), over the periods after the warm-up."""

    demand: Floats
    served: Floats
    lost_sales: Floats
    backordered: Floats
    fill_rate: Floats
    cycle_service_level: Floats
    cycles: Floats
    stockout_periods: Floats
    periods: int
    average_on_hand: Floats
    orders: Floats
    holding_cost: Floats
    ordering_cost: Floats
    shortage_cost: Floats
    paths: StockPaths | None = None

    @property
    def total_cost(self) -> Floats:
        return np.asarray(self.holding_cost + self.ordering_cost + self.shortage_cost)

    def summary(self) -> dict[str, float]:
        """Pooled over the series: fill rate = Σ served / Σ demand, CSL over all cycles,
        average on hand and costs summed over the series (per period for on hand)."""
        demand = float(self.demand.sum())
        return {
            "series": float(len(self.demand)),
            "periods": float(self.periods),
            "fill_rate": float(self.served.sum() / demand) if demand > 0 else float("nan"),
            "cycle_service_level": float(
                (self.cycle_service_level * self.cycles).sum() / self.cycles.sum()
            )
            if self.cycles.sum() > 0
            else float("nan"),
            "stockout_periods": float(self.stockout_periods.sum()),
            "lost_sales": float(self.lost_sales.sum()),
            "backordered": float(self.backordered.sum()),
            "average_on_hand": float(self.average_on_hand.sum()),
            "orders": float(self.orders.sum()),
            "holding_cost": float(self.holding_cost.sum()),
            "ordering_cost": float(self.ordering_cost.sum()),
            "shortage_cost": float(self.shortage_cost.sum()),
            "total_cost": float(self.total_cost.sum()),
        }


def _param(value: ArrayLike, n: int, t: int, name: str) -> Floats:
    """A policy or cost parameter as an (n, T) array."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        a = np.full((n, t), float(a))
    elif a.ndim == 1 and a.shape[0] == n:
        a = np.repeat(a[:, None], t, axis=1)
    elif a.shape != (n, t):
        raise ValueError(f"{name} must be a scalar, one value per series ({n}) or ({n}, {t})")
    if np.any(np.isnan(a)):
        raise ValueError(f"{name} has missing values")
    return a


def simulate(
    demand: ArrayLike,
    policy: Policy,
    *,
    lead_time: int,
    lost_sales: bool = False,
    initial_stock: ArrayLike | None = None,
    costs: Costs | None = None,
    warmup: int = 0,
    keep_paths: bool = False,
) -> SimulationResult:
    """Replay `policy` over `demand` (T periods, or (n, T) for n series at once).

    `initial_stock` (on hand at the start, nothing on order) defaults to the policy's level in
    the first period: S for (R,S) and (s,S), s + Q for (s,Q). Metrics skip the first `warmup`
    periods (the stock still reflects the arbitrary start); review cycles start at period 0.
    """
    d = np.asarray(demand, dtype=np.float64)
    if d.ndim == 1:
        d = d[None, :]
    if d.ndim != 2 or d.shape[1] == 0:
        raise ValueError("demand must be a series of periods or an (n_series, periods) array")
    if np.any(~np.isfinite(d)) or np.any(d < 0):
        raise ValueError("demand must be finite and >= 0 (clip net returns at 0 first)")
    n, t_len = d.shape
    lead = int(lead_time)
    if lead != lead_time or lead < 0:
        raise ValueError(f"lead time must be a whole number of periods >= 0, not {lead_time}")
    review = int(policy.review_period)
    if review != policy.review_period or review < 1:
        raise ValueError(f"review period must be a whole number >= 1, not {policy.review_period}")
    if not 0 <= warmup < t_len:
        raise ValueError(f"warmup must lie in [0, {t_len}), not {warmup}")
    costs = costs or Costs()
    h = _param(costs.holding, n, 1, "holding cost")[:, 0]
    k = _param(costs.order, n, 1, "order cost")[:, 0]
    p = _param(costs.shortage, n, 1, "shortage cost")[:, 0]
    if np.any(h < 0) or np.any(k < 0) or np.any(p < 0):
        raise ValueError("costs must be >= 0")

    if isinstance(policy, OrderUpTo):
        big_s = _param(policy.level, n, t_len, "order-up-to level")
        small_s = big_s
        qty = None
        start = big_s[:, 0]
    elif isinstance(policy, MinMax):
        small_s = _param(policy.reorder_point, n, t_len, "reorder point")
        big_s = _param(policy.level, n, t_len, "order-up-to level")
        if np.any(big_s < small_s):
            raise ValueError("(s,S) needs S >= s")
        qty = None
        start = big_s[:, 0]
    elif isinstance(policy, ReorderQuantity):
        small_s = _param(policy.reorder_point, n, t_len, "reorder point")
        qty = _param(policy.quantity, n, t_len, "order quantity")
        if np.any(qty <= 0):
            raise ValueError("(s,Q) needs an order quantity Q > 0")
        big_s = small_s + qty
        start = big_s[:, 0]
    else:  # pragma: no cover - guarded by the type
        raise TypeError(f"unknown policy {policy!r}")

    on_hand = np.maximum(
        start if initial_stock is None else np.broadcast_to(np.asarray(initial_stock, float), n),
        0.0,
    ).astype(np.float64)
    backlog = np.zeros(n)
    pipeline = np.zeros(n)
    arrivals = np.zeros((n, t_len + lead + 1))
    shape = (n, t_len)
    on_hand_path, backlog_path = np.zeros(shape), np.zeros(shape)
    orders_path, receipts_path = np.zeros(shape), np.zeros(shape)
    served_path, unmet_path, position_path = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    eps = 1e-9

    for t in range(t_len):
        if t % review == 0:
            ip = on_hand + pipeline - backlog
            if isinstance(policy, OrderUpTo):
                order = np.where(ip < big_s[:, t] - eps, big_s[:, t] - ip, 0.0)
            elif isinstance(policy, MinMax):
                order = np.where(ip <= small_s[:, t] + eps, big_s[:, t] - ip, 0.0)
            else:
                assert qty is not None
                q = qty[:, t]
                packs = np.floor((small_s[:, t] - ip) / q + eps) + 1.0
                order = np.where(ip <= small_s[:, t] + eps, packs * q, 0.0)
            order = np.maximum(order, 0.0)
            arrivals[:, t + lead] += order
            pipeline += order
            orders_path[:, t] = order
        position_path[:, t] = on_hand + pipeline - backlog
        receipt = arrivals[:, t]
        pipeline -= receipt
        on_hand += receipt
        receipts_path[:, t] = receipt
        if not lost_sales:
            fill = np.minimum(on_hand, backlog)
            on_hand -= fill
            backlog -= fill
        served = np.minimum(on_hand, d[:, t])
        on_hand -= served
        unmet = d[:, t] - served
        if not lost_sales:
            backlog += unmet
        on_hand_path[:, t] = on_hand
        backlog_path[:, t] = backlog
        served_path[:, t] = served
        unmet_path[:, t] = unmet

    window = slice(warmup, t_len)
    dem = d[:, window].sum(axis=1)
    srv = served_path[:, window].sum(axis=1)
    unmet_total = unmet_path[:, window].sum(axis=1)
    stockout = unmet_path > eps if lost_sales else backlog_path > eps
    periods = t_len - warmup
    # review cycles [r, r + R) starting at or after the warm-up
    starts = [r for r in range(0, t_len, review) if r >= warmup]
    if starts:
        ok = np.stack([~stockout[:, r : r + review].any(axis=1) for r in starts], axis=1)
        csl = ok.mean(axis=1)
    else:
        csl = np.full(n, np.nan)
    cycles = np.full(n, float(len(starts)))
    with np.errstate(invalid="ignore", divide="ignore"):
        fill_rate = np.where(dem > 0, srv / np.where(dem > 0, dem, 1.0), np.nan)
    avg_on_hand = on_hand_path[:, window].mean(axis=1)
    n_orders = (orders_path[:, window] > eps).sum(axis=1).astype(np.float64)
    paths = (
        StockPaths(
            demand=d,
            on_hand=on_hand_path,
            backorders=backlog_path,
            orders=orders_path,
            receipts=receipts_path,
            served=served_path,
            unmet=unmet_path,
            position=position_path,
        )
        if keep_paths
        else None
    )
    return SimulationResult(
        demand=dem,
        served=srv,
        lost_sales=unmet_total if lost_sales else np.zeros(n),
        backordered=np.zeros(n) if lost_sales else unmet_total,
        fill_rate=np.asarray(fill_rate, dtype=np.float64),
        cycle_service_level=csl,
        cycles=cycles,
        stockout_periods=stockout[:, window].sum(axis=1).astype(np.float64),
        periods=periods,
        average_on_hand=avg_on_hand,
        orders=n_orders,
        holding_cost=h * on_hand_path[:, window].sum(axis=1),
        ordering_cost=k * n_orders,
        shortage_cost=p * unmet_total,
        paths=paths,
    )


def plot_stock(
    result: SimulationResult,
    out: str | Path,
    *,
    series: int = 0,
    level: ArrayLike | None = None,
    dates: ArrayLike | None = None,
    title: str = "Simulated stock",
    unit: str = "units",
) -> Path:
    """Draw one series' stock curve to a PNG: demand, on hand and inventory position at the end
    of each period, stock-outs, orders placed and, when given, the order-up-to `level`.

    `result` must come from `simulate(..., keep_paths=True)`. Uses the Agg canvas directly,
    so no display and no global matplotlib state are touched.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if result.paths is None:
        raise ValueError("simulate(..., keep_paths=True) keeps the paths that plot_stock draws")
    paths = result.paths
    if not 0 <= series < paths.demand.shape[0]:
        raise ValueError(f"series must lie in [0, {paths.demand.shape[0]}), not {series}")
    x: Any = np.arange(paths.demand.shape[1]) if dates is None else np.asarray(dates)
    figure = Figure(figsize=(10, 4.8), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot(1, 1, 1)
    width: Any = 0.8 if dates is None else np.timedelta64(5, "D")
    ax.bar(x, paths.demand[series], width=width, color="#c8d3e0", label="demand")
    ax.step(x, paths.on_hand[series], where="post", color="#1f4e79", lw=1.6, label="on hand")
    ax.step(
        x,
        paths.position[series],
        where="post",
        color="#7f8c8d",
        lw=0.9,
        label="inventory position (after ordering)",
    )
    lost = paths.unmet[series] > 1e-9
    if lost.any():
        zeros = np.zeros(int(lost.sum()))
        ax.scatter(x[lost], zeros, color="#c0392b", marker="x", zorder=5, label="stock-out")
    placed = paths.orders[series] > 1e-9
    if placed.any():
        qty = paths.orders[series][placed]
        ax.scatter(x[placed], qty, color="#e67e22", marker="v", s=18, label="order placed")
    if level is not None:
        lv = np.asarray(level, dtype=np.float64)
        lv = lv[series] if lv.ndim == 2 else np.broadcast_to(lv, paths.demand.shape[1])
        ax.step(x, lv, where="post", color="#27ae60", lw=1.0, ls="--", label="order-up-to S")
    ax.set_title(title)
    ax.set_ylabel(unit)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, ncols=3)
    figure.tight_layout()
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, format="png")
    return target
