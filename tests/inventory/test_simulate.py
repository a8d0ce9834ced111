"""The simulator against closed forms: deterministic EOQ cycles, Poisson base stock, and a
6-period example of lost sales vs backorders worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from shopmind.inventory.policy import economic_order_quantity
from shopmind.inventory.simulate import (
    Costs,
    MinMax,
    OrderUpTo,
    ReorderQuantity,
    plot_stock,
    simulate,
)


def _cost_per_period(q: float, d: float, k: float, h: float) -> float:
    # end-of-period stock runs Q - d, Q - 2d, ..., 0: mean (Q - d) / 2; one order per Q / d
    return k * d / q + h * (q - d) / 2


def test_deterministic_demand_gives_the_eoq_cycle() -> None:
    d, lead, k, h = 10.0, 2, 36.0, 0.2
    eoq = float(economic_order_quantity(d, k, h))
    assert eoq == pytest.approx(60.0)
    costs: dict[float, float] = {}
    for q in (30.0, 40.0, 50.0, 60.0, 80.0, 100.0, 120.0):
        cycle = int(q / d)
        warmup = 20
        periods = warmup + 10 * cycle
        result = simulate(
            np.full(periods, d),
            ReorderQuantity(reorder_point=d * lead, quantity=q),
            lead_time=lead,
            costs=Costs(holding=h, order=k, shortage=100.0),
            warmup=warmup,
        )
        assert result.fill_rate[0] == 1.0
        assert result.stockout_periods[0] == 0
        assert result.cycle_service_level[0] == 1.0
        assert result.orders[0] == 10
        assert result.average_on_hand[0] == pytest.approx((q - d) / 2)
        costs[q] = float(result.total_cost[0]) / (periods - warmup)
        assert costs[q] == pytest.approx(_cost_per_period(q, d, k, h))
    assert min(costs, key=lambda q: costs[q]) == eoq


def _poisson_loss(mean: float, s: float) -> float:
    x = np.arange(0, 200)
    return float((np.maximum(x - s, 0) * stats.poisson.pmf(x, mean)).sum())


def test_poisson_base_stock_with_backorders_matches_the_closed_form() -> None:
    lam, lead, base = 4.0, 2, 15.0
    rng = np.random.default_rng(7)
    demand = rng.poisson(lam, size=(200, 1500)).astype(float)
    result = simulate(demand, OrderUpTo(base), lead_time=lead, warmup=10)
    summary = result.summary()
    # net inventory at the end of a period = S - demand over L + 1 periods
    p_out = float(stats.poisson.sf(base, lam * (lead + 1)))
    assert 1 - summary["cycle_service_level"] == pytest.approx(p_out, abs=0.004)
    assert summary["stockout_periods"] / (200 * result.periods) == pytest.approx(p_out, abs=0.004)
    new_backorders = _poisson_loss(lam * (lead + 1), base) - _poisson_loss(lam * lead, base)
    assert summary["fill_rate"] == pytest.approx(1 - new_backorders / lam, abs=0.003)
    assert summary["orders"] > 0.97 * 200 * result.periods  # ordered nearly every period


def test_poisson_min_max_orders_less_often_than_base_stock() -> None:
    rng = np.random.default_rng(1)
    demand = rng.poisson(3.0, size=(50, 400)).astype(float)
    base = simulate(demand, OrderUpTo(12.0), lead_time=1, warmup=5)
    min_max = simulate(demand, MinMax(9.0, 20.0), lead_time=1, warmup=5)
    assert min_max.orders.sum() < 0.5 * base.orders.sum()
    assert min_max.average_on_hand.mean() > base.average_on_hand.mean()


DEMAND = [3.0, 5.0, 2.0, 6.0, 1.0, 4.0]
COSTS = Costs(holding=1.0, order=10.0, shortage=5.0)


def test_backorders_by_hand() -> None:
    r = simulate(DEMAND, OrderUpTo(6.0), lead_time=1, costs=COSTS, keep_paths=True)
    assert r.paths is not None
    assert r.paths.orders[0].tolist() == [0, 3, 5, 2, 6, 1]
    assert r.paths.position[0].tolist() == [6.0] * 6  # ordered up to S every period
    assert r.paths.served[0].tolist() == [3, 3, 1, 4, 0, 4]
    assert r.paths.backorders[0].tolist() == [0, 2, 1, 2, 1, 0]
    assert r.paths.on_hand[0].tolist() == [3, 0, 0, 0, 0, 1]
    assert r.fill_rate[0] == pytest.approx(15 / 21)
    assert r.backordered[0] == 6 and r.lost_sales[0] == 0
    assert r.stockout_periods[0] == 4
    assert r.cycle_service_level[0] == pytest.approx(2 / 6)
    assert r.orders[0] == 5
    assert r.average_on_hand[0] == pytest.approx(4 / 6)
    assert (r.holding_cost[0], r.ordering_cost[0], r.shortage_cost[0]) == (4, 50, 30)
    assert r.total_cost[0] == 84


def test_lost_sales_by_hand() -> None:
    r = simulate(DEMAND, OrderUpTo(6.0), lead_time=1, lost_sales=True, costs=COSTS, keep_paths=True)
    assert r.paths is not None
    assert r.paths.orders[0].tolist() == [0, 3, 3, 2, 4, 1]
    assert r.paths.served[0].tolist() == [3, 3, 2, 4, 1, 4]
    assert r.paths.on_hand[0].tolist() == [3, 0, 1, 0, 1, 1]
    assert r.fill_rate[0] == pytest.approx(17 / 21)
    assert r.lost_sales[0] == 4 and r.backordered[0] == 0
    assert r.stockout_periods[0] == 2
    assert r.orders[0] == 5
    assert r.average_on_hand[0] == pytest.approx(1.0)
    assert (r.holding_cost[0], r.ordering_cost[0], r.shortage_cost[0]) == (6, 50, 20)


def test_review_cycles_and_time_varying_levels() -> None:
    demand = np.array([[2.0] * 8, [1.0] * 8])
    levels = np.tile(np.array([4.0, 4, 6, 6, 6, 6, 6, 6]), (2, 1))
    r = simulate(demand, OrderUpTo(levels, review_period=2), lead_time=0, keep_paths=True)
    assert r.cycles.tolist() == [4, 4]
    assert r.paths is not None
    assert r.paths.orders[0].tolist() == [0, 0, 6, 0, 4, 0, 4, 0]
    assert r.fill_rate.tolist() == [1.0, 1.0]


def test_bad_input() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        simulate([1.0, -1.0], OrderUpTo(3.0), lead_time=1)
    with pytest.raises(ValueError, match="lead time"):
        simulate([1.0], OrderUpTo(3.0), lead_time=-1)
    with pytest.raises(ValueError, match="review period"):
        simulate([1.0], OrderUpTo(3.0, review_period=0), lead_time=1)
    with pytest.raises(ValueError, match="S >= s"):
        simulate([1.0], MinMax(5.0, 3.0), lead_time=1)
    with pytest.raises(ValueError, match="Q > 0"):
        simulate([1.0], ReorderQuantity(5.0, 0.0), lead_time=1)
    with pytest.raises(ValueError, match="costs"):
        simulate([1.0], OrderUpTo(3.0), lead_time=1, costs=Costs(holding=-1.0))
    with pytest.raises(ValueError, match="per series"):
        simulate([[1.0, 2.0]], OrderUpTo([1.0, 2.0, 3.0]), lead_time=1)


def test_plot_stock_writes_a_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    demand = rng.poisson(5.0, size=(2, 30)).astype(float)
    r = simulate(demand, OrderUpTo(18.0), lead_time=2, lost_sales=True, keep_paths=True)
    out = plot_stock(r, tmp_path / "stock.png", series=1, level=18.0, title="test")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="keep_paths"):
        plot_stock(simulate(demand, OrderUpTo(18.0), lead_time=2), tmp_path / "x.png")
