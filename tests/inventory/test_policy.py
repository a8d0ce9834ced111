"""Lead-time demand, service-level parameters and order sizes: closed forms and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from shopmind.errors import InsufficientDataError
from shopmind.inventory import policy as pol

Z95 = 1.6448536269514722


def _normal_quantiles(mu: float, sigma: float, levels: tuple[float, ...], h: int) -> np.ndarray:
    row = [mu + sigma * float(stats.norm.ppf(q)) for q in levels]
    return np.array([row] * h)


def test_normal_loss_matches_the_table() -> None:
    assert pol.normal_loss(0.0) == pytest.approx(0.39894, abs=1e-5)
    assert pol.normal_loss(1.0) == pytest.approx(0.08332, abs=1e-5)
    assert pol.normal_loss(-2.0) == pytest.approx(2.00849, abs=1e-5)
    # E[(Z - z)+] by integration
    z = 0.7
    value = stats.norm.expect(lambda x: max(x - z, 0.0))
    assert pol.normal_loss(z) == pytest.approx(value, abs=1e-6)


def test_normal_lead_time_demand_and_cycle_service_level() -> None:
    demand = pol.normal_lead_time_demand(10.0, 3.0, lead_time=2, review_period=1)
    assert demand.mean() == pytest.approx(30.0)
    assert demand.std() == pytest.approx(3.0 * math.sqrt(3))
    s = pol.reorder_point(demand, 0.95)
    assert s == pytest.approx(30.0 + Z95 * 3.0 * math.sqrt(3))
    assert pol.safety_stock(demand, 0.95) == pytest.approx(Z95 * 3.0 * math.sqrt(3))
    assert pol.order_up_to_level(demand, 0.95) == pytest.approx(s)


def test_normal_fill_rate_inverts_the_loss_function() -> None:
    demand = pol.normal_lead_time_demand([10.0, 50.0], [3.0, 20.0], lead_time=4)
    q = np.array([25.0, 100.0])
    s = pol.reorder_point(demand, 0.98, measure="fill", cycle_demand=q)
    # G(z) = (1 - beta) Q / sigma
    assert demand.expected_shortage(s) == pytest.approx(0.02 * q, rel=1e-6)
    sigma = demand.std()
    z = (s - demand.mean()) / sigma
    assert pol.normal_loss(z) == pytest.approx(0.02 * q / sigma, rel=1e-6)


def test_empirical_fill_level_is_exact_and_minimal() -> None:
    rng = np.random.default_rng(3)
    samples = np.sort(rng.gamma(2.0, 5.0, size=(4, 500)), axis=-1)
    demand = pol.EmpiricalDemand(samples, 3.0, "test")
    target = np.array([0.5, 1.0, 2.0, 0.01])
    x = demand.fill_level(target)
    assert demand.expected_shortage(x) == pytest.approx(target, rel=1e-9, abs=1e-9)
    assert np.all(demand.expected_shortage(x - 1e-3) > target)
    # a target above the mean shortage at the smallest sample lies below every sample
    big = demand.fill_level(samples.mean(axis=1) - samples[:, 0] + 1.0)
    assert big == pytest.approx(samples[:, 0] - 1.0)


def test_quantile_paths_reproduce_a_normal_and_its_sum() -> None:
    levels = (0.1, 0.5, 0.9)
    values = _normal_quantiles(100.0, 10.0, levels, 3)
    ind = pol.quantile_paths(levels, values, 40_000, correlation=0.0, seed=1)
    assert ind.shape == (40_000, 3)
    # interpolation in normal scores is exact for a normal, tails included
    assert np.quantile(ind[:, 0], 0.99) == pytest.approx(100 + 10 * 2.3263, rel=0.01)
    total = pol.lead_time_demand(ind, lead_time=2, review_period=1)
    assert total.mean() == pytest.approx(300.0, rel=0.002)
    assert total.std() == pytest.approx(10 * math.sqrt(3), rel=0.02)
    assert total.quantile(0.95) == pytest.approx(300 + Z95 * 10 * math.sqrt(3), rel=0.005)
    # comonotone: the quantiles of the sum are the sums of the quantiles
    com = pol.quantile_paths(levels, values, 40_000, correlation=1.0, seed=1)
    total1 = pol.lead_time_demand(com, 3)
    assert total1.quantile(0.95) == pytest.approx(3 * (100 + Z95 * 10), rel=0.005)
    # in between: variance 3 sigma^2 (1 + 2 rho)
    mid = pol.lead_time_demand(pol.quantile_paths(levels, values, 40_000, correlation=0.5), 3)
    assert mid.std() == pytest.approx(10 * math.sqrt(3 * (1 + 2 * 0.5)), rel=0.02)


def test_quantile_paths_keep_skew_floor_at_zero_and_batch() -> None:
    levels = (0.1, 0.5, 0.9)
    values = np.array([[[1.0, 2.0, 8.0]] * 2, [[0.0, 0.0, 1.0]] * 2])  # (2 series, h=2, k=3)
    paths = pol.quantile_paths(levels, values, 20_000, seed=0)
    assert paths.shape == (2, 20_000, 2)
    assert paths.min() >= 0.0
    assert np.quantile(paths[0, :, 0], 0.5) == pytest.approx(2.0, abs=0.1)
    assert np.quantile(paths[0, :, 0], 0.9) == pytest.approx(8.0, abs=0.3)
    assert np.quantile(paths[0, :, 0], 0.1) == pytest.approx(1.0, abs=0.05)


def test_lead_time_demand_counts_a_fractional_period() -> None:
    paths = np.array([[1.0, 2.0, 4.0], [2.0, 2.0, 2.0]])
    demand = pol.lead_time_demand(paths, lead_time=1.5, review_period=1.0)
    assert demand.samples.tolist() == [5.0, 5.0]
    with pytest.raises(ValueError, match="forecast at least 4 periods"):
        pol.lead_time_demand(paths, lead_time=3, review_period=0.5)


def test_empirical_lead_time_demand_uses_every_window() -> None:
    demand = pol.empirical_lead_time_demand([1, 2, 3, 4], lead_time=1, review_period=1)
    assert demand.samples.tolist() == [3.0, 5.0, 7.0]
    with pytest.raises(InsufficientDataError):
        pol.empirical_lead_time_demand([], lead_time=2)
    with pytest.raises(InsufficientDataError):
        pol.empirical_lead_time_demand([1.0], lead_time=2)


def test_eoq_and_rounding() -> None:
    assert pol.economic_order_quantity(1200, 100, 6) == pytest.approx(200.0)
    assert pol.round_order_quantity(13, pack_size=6).tolist() == 18.0
    assert pol.round_order_quantity([2.0, 0.0, -3.0], 4, 10).tolist() == [12.0, 0.0, 0.0]
    assert pol.round_order_quantity(7.0, float("nan"), None) == 7.0
    assert pol.round_order_quantity(12.0, 6.0) == 12.0


def test_residual_correlation() -> None:
    rng = np.random.default_rng(0)
    e = np.zeros(5000)
    for t in range(1, len(e)):
        e[t] = 0.6 * e[t - 1] + rng.standard_normal()
    assert pol.residual_correlation(e, 2) == pytest.approx((0.6 + 0.36) / 2, abs=0.05)
    assert pol.residual_correlation([1.0, 2.0], 2) == 0.0
    assert pol.residual_correlation(-e[1:] * (-1) ** np.arange(4999), 1) == 0.0


@pytest.mark.parametrize("lead", [0, -1, float("nan")])
def test_lead_time_must_be_positive(lead: float) -> None:
    with pytest.raises(ValueError, match="lead time"):
        pol.normal_lead_time_demand(1.0, 1.0, lead_time=lead)
    with pytest.raises(ValueError, match="lead time"):
        pol.lead_time_demand(np.ones((3, 3)), lead_time=lead)


@pytest.mark.parametrize("level", [0.0, 1.0, 95.0, -0.1])
def test_service_level_must_lie_inside_0_1(level: float) -> None:
    demand = pol.normal_lead_time_demand(1.0, 1.0, lead_time=1)
    with pytest.raises(ValueError, match="service level"):
        pol.reorder_point(demand, level)


def test_other_bad_input() -> None:
    demand = pol.normal_lead_time_demand(1.0, 1.0, lead_time=1)
    with pytest.raises(ValueError, match="cycle_demand"):
        pol.reorder_point(demand, 0.95, measure="fill")
    with pytest.raises(ValueError, match="measure"):
        pol.reorder_point(demand, 0.95, measure="ready")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order cost"):
        pol.economic_order_quantity(100, float("nan"), 1)
    with pytest.raises(ValueError, match="holding cost"):
        pol.economic_order_quantity(100, 10, -1)
    with pytest.raises(ValueError, match="holding cost > 0"):
        pol.economic_order_quantity(100, 10, 0)
    with pytest.raises(ValueError, match="two forecast quantiles"):
        pol.quantile_paths([0.5], [[1.0]])
    with pytest.raises(ValueError, match="missing"):
        pol.quantile_paths([0.1, 0.9], [[1.0, float("nan")]])
    with pytest.raises(InsufficientDataError):
        pol.normal_lead_time_demand(float("nan"), 1.0, lead_time=1)
    with pytest.raises(InsufficientDataError):
        pol.lead_time_demand(np.zeros((0, 3)), lead_time=1)
