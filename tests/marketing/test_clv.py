"""BG/NBD, Gamma-Gamma and the RFM summary: hand-computed likelihoods, the published CDNOW fits,
recovery of simulated parameters, model properties and bad input."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest

from shopmind.data import datasets, sample
from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError
from shopmind.marketing.clv import (
    BGNBD,
    VALUE_COLUMNS,
    GammaGamma,
    clv,
    customer_value,
    rfm_summary,
)

CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"


def _beta(a: float, b: float) -> float:
    return math.gamma(a) * math.gamma(b) / math.gamma(a + b)


def _bgnbd_likelihood_by_hand(
    r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float
) -> float:
    """Fader, Hardie & Lee (2005a), equation 6, written out term by term."""
    nbd = math.gamma(r + x) * alpha**r / math.gamma(r)
    value = _beta(a, b + x) / _beta(a, b) * nbd / (alpha + T) ** (r + x)
    if x > 0:
        value += _beta(a + 1, b + x - 1) / _beta(a, b) * nbd / (alpha + t_x) ** (r + x)
    return float(value)


def _gg_likelihood_by_hand(p: float, q: float, v: float, x: int, m: float) -> float:
    """Fader, Hardie & Lee (2005b): the density of the mean spend m over x transactions."""
    return float(
        math.gamma(p * x + q)
        / (math.gamma(p * x) * math.gamma(q))
        * v**q
        * m ** (p * x - 1)
        * x ** (p * x)
        / (v + m * x) ** (p * x + q)
    )


# -- likelihoods by hand ---------------------------------------------------------------------

HAND_SET = [(0, 0.0, 10.0), (1, 2.5, 10.0), (3, 7.0, 12.0), (5, 30.0, 38.0)]


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (1.5, 2.0, 3.0, 0.8)])
def test_bgnbd_log_likelihood_matches_the_paper_by_hand(
    params: tuple[float, float, float, float],
) -> None:
    x, t_x, T = (np.array(column, dtype=float) for column in zip(*HAND_SET, strict=True))
    got = BGNBD.log_likelihood(params, x, t_x, T)
    expected = [math.log(_bgnbd_likelihood_by_hand(*params, *row)) for row in HAND_SET]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_gamma_gamma_log_likelihood_matches_the_paper_by_hand() -> None:
    rows = [(1, 20.0), (2, 35.5), (4, 12.25)]
    params = (6.25, 3.74, 15.44)
    x, m = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    got = GammaGamma.log_likelihood(params, x, m)
    expected = [math.log(_gg_likelihood_by_hand(*params, *row)) for row in rows]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# -- the RFM summary -------------------------------------------------------------------------


def test_rfm_summary_by_hand() -> None:
    transactions = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "ordered_at": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:00",  # same day: one transaction of 30
                    "2024-01-15 00:00",
                    "2024-01-29 00:00",
                    "2024-01-08 00:00",
                    "2024-03-01 00:00",  # after the calibration end
                ]
            ),
            "revenue": [10.0, 20.0, 5.0, 15.0, 7.0, 1.0],
        }
    )
    summary = rfm_summary(
        transactions,
        calibration_end="2024-02-05",
        period="W",
        observation_end="2024-03-04",
    )
    assert list(summary.index) == ["a", "b"]
    assert summary.loc["a", "frequency"] == 2
    assert summary.loc["a", "recency"] == pytest.approx(4.0)
    assert summary.loc["a", "T"] == pytest.approx(5.0)
    assert summary.loc["a", "monetary_value"] == pytest.approx(10.0)
    assert summary.loc["b", "frequency"] == 0
    assert summary.loc["b", "recency"] == 0
    assert summary.loc["b", "T"] == pytest.approx(4.0)
    assert summary["monetary_value"].isna().tolist() == [False, True]
    assert summary["frequency_holdout"].tolist() == [0.0, 0.0]
    assert summary["duration_holdout"].tolist() == [4.0, 4.0]
    daily = rfm_summary(transactions, calibration_end="2024-02-05", period="D", value=None)
    assert daily.loc["a", "T"] == pytest.approx(35.0)
    assert "monetary_value" not in daily.columns


# -- CDNOW: the published fits ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    try:
        tables = datasets.cdnow(sample=True)
    except datasets.DatasetMissing as missing:
        pytest.skip(f"the CDNOW 1/10 sample is not available: {missing}")
    purchases = Shop.from_frames(tables).purchases()
    return rfm_summary(
        purchases,
        calibration_end=CALIBRATION_END,
        period="W",
        observation_end=OBSERVATION_END,
    )


@pytest.mark.datasets
def test_cdnow_summary_matches_the_paper(cdnow_summary: pd.DataFrame) -> None:
    # FHL (2005a): 2,357 customers, 2,457 repeat transactions in the 39-week calibration period.
    assert len(cdnow_summary) == 2357
    assert cdnow_summary["frequency"].sum() == 2457
    assert (cdnow_summary["frequency"] > 0).sum() == 946  # FHL (2005b): the Gamma-Gamma base


@pytest.mark.datasets
def test_bgnbd_recovers_the_published_cdnow_fit(cdnow_summary: pd.DataFrame) -> None:
    s = cdnow_summary
    model = BGNBD().fit(s["frequency"], s["recency"], s["T"])
    assert model.params_ is not None
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, rel=0.02), name
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)  # FHL (2005a), section 4


@pytest.mark.datasets
def test_gamma_gamma_recovers_the_published_cdnow_fit(cdnow_summary: pd.DataFrame) -> None:
    repeat = cdnow_summary[cdnow_summary["frequency"] > 0]
    model = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    assert model.params_ is not None
    published = {"p": 6.25, "q": 3.74, "v": 15.44}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, rel=0.01), name


@pytest.mark.datasets
def test_cdnow_clv_is_finite_and_positive(cdnow_summary: pd.DataFrame) -> None:
    s = cdnow_summary
    bg = BGNBD().fit(s["frequency"], s["recency"], s["T"])
    repeat = s[s["frequency"] > 0]
    gg = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    values = clv(bg, gg, s, horizon=52, discount_rate=0.01)
    assert values.index.equals(s.index)
    assert np.isfinite(values).all() and (values > 0).all()
    undiscounted = clv(bg, gg, s, horizon=52, discount_rate=0.0)
    assert (undiscounted >= values).all()


# -- simulated data --------------------------------------------------------------------------


def _simulate_bgnbd(
    params: tuple[float, float, float, float], ages: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw (x, t_x, T) from the BG/NBD story: Poisson purchases at rate lambda ~ Gamma(r,
    alpha) from time 0, dropping out with probability p ~ Beta(a, b) after each repeat one."""
    r, alpha, a, b = params
    rng = np.random.default_rng(seed)
    rates = rng.gamma(r, 1.0 / alpha, size=len(ages))
    drops = rng.beta(a, b, size=len(ages))
    x = np.zeros(len(ages))
    t_x = np.zeros(len(ages))
    for i, (rate, drop, age) in enumerate(zip(rates, drops, ages, strict=True)):
        now = 0.0
        while True:
            now += rng.exponential(1.0 / rate)
            if now > age:
                break
            x[i] += 1
            t_x[i] = now
            if rng.random() < drop:
                break
    return x, t_x, ages


def test_bgnbd_recovers_simulated_parameters() -> None:
    truth = (0.8, 5.0, 1.2, 3.0)
    ages = np.random.default_rng(1).uniform(30.0, 60.0, size=6000)
    x, t_x, T = _simulate_bgnbd(truth, ages, seed=2)
    model = BGNBD().fit(x, t_x, T)
    assert model.params_ is not None
    for name, value in zip(("r", "alpha", "a", "b"), truth, strict=True):
        assert model.params_[name] == pytest.approx(value, rel=0.2), name
    # The model's own expectation agrees with the simulated mean count.
    assert model.expected_purchases_population(45.0) == pytest.approx(
        float(_simulate_bgnbd(truth, np.full(20_000, 45.0), seed=3)[0].mean()), rel=0.05
    )


def test_gamma_gamma_recovers_simulated_parameters() -> None:
    p, q, v = 4.0, 3.0, 20.0
    rng = np.random.default_rng(4)
    n = 5000
    x = rng.integers(1, 8, size=n).astype(float)
    nu = rng.gamma(q, 1.0 / v, size=n)
    totals = rng.gamma(p * x, 1.0 / nu)  # the sum of x Gamma(p, nu) spends
    model = GammaGamma().fit(x, totals / x)
    assert model.params_ is not None
    for name, value in zip(("p", "q", "v"), (p, q, v), strict=True):
        assert model.params_[name] == pytest.approx(value, rel=0.15), name


# -- model properties ------------------------------------------------------------------------


@pytest.fixture
def fitted() -> BGNBD:
    model = BGNBD()
    model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    return model


def test_probability_alive_is_one_without_repeat_purchases(fitted: BGNBD) -> None:
    alive = fitted.probability_alive([0, 0, 0], [0, 0, 0], [1.0, 20.0, 80.0])
    np.testing.assert_array_equal(alive, 1.0)


def test_probability_alive_falls_as_the_last_purchase_recedes(fitted: BGNBD) -> None:
    recency = np.array([30.0, 25.0, 15.0, 5.0, 1.0])
    alive = fitted.probability_alive(np.full(5, 3), recency, np.full(5, 30.0))
    assert alive[0] < 1
    assert (np.diff(alive) < 0).all()


def test_expected_purchases_properties(fitted: BGNBD) -> None:
    t = np.array([0.0, 10.0, 39.0, 78.0])
    population = fitted.expected_purchases_population(t)
    assert population[0] == 0 and (np.diff(population) > 0).all()
    # A brand-new customer (x = 0, T = 0) is expected to buy as the population does.
    new = fitted.expected_purchases(t, 0, 0.0, 0.0)
    np.testing.assert_allclose(new, population, rtol=1e-10)
    # More repeat purchases, recently, means more expected purchases.
    heavy = fitted.expected_purchases(39.0, 6, 38.0, 39.0)
    light = fitted.expected_purchases(39.0, 1, 38.0, 39.0)
    lapsed = fitted.expected_purchases(39.0, 6, 5.0, 39.0)
    assert heavy > light and heavy > lapsed


def test_expected_spend_shrinks_towards_the_population_mean() -> None:
    model = GammaGamma()
    model.params_ = {"p": 6.25, "q": 3.74, "v": 15.44}
    population = 6.25 * 15.44 / (3.74 - 1)
    spend = model.expected_spend([0, 1, 50], [np.nan, 100.0, 100.0])
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100.0


# -- bad input -------------------------------------------------------------------------------


def _frame(**columns: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        "customer_id": ["a", "a"],
        "ordered_at": [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-10")],
        "revenue": [1.0, 2.0],
    }
    return pd.DataFrame(base | columns)


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (_frame().iloc[:0], {}, "empty"),
        (_frame(revenue=[1.0, -2.0]), {}, "negative"),
        (_frame(), {"calibration_end": "2023-12-31"}, "before every purchase"),
        (_frame().drop(columns="revenue"), {}, "'revenue'"),
        (_frame(revenue=[1.0, None]), {}, "missing"),
        (_frame(), {"observation_end": "2024-01-05"}, "observation_end"),
        (_frame(), {"period": "fortnight"}, "period"),
    ],
)
def test_rfm_summary_rejects_bad_input(
    frame: pd.DataFrame, kwargs: dict[str, str], message: str
) -> None:
    arguments: dict[str, str] = {"calibration_end": "2024-01-20"} | kwargs
    with pytest.raises(ValueError, match=message):
        rfm_summary(frame, **arguments)


@pytest.mark.parametrize(
    ("x", "t_x", "T", "message"),
    [
        ([1, -1], [1.0, 0.0], [5.0, 5.0], "frequency must not be negative"),
        ([1, 2], [1.0, -3.0], [5.0, 5.0], "recency must not be negative"),
        ([1, 2], [1.0, 6.0], [5.0, 5.0], "recency must not exceed T"),
        ([1, 0], [1.0, 2.0], [5.0, 5.0], "recency must be 0"),
        ([1.5, 2], [1.0, 2.0], [5.0, 5.0], "whole numbers"),
        ([0, 0], [0.0, 0.0], [5.0, 5.0], "no customer has a repeat purchase"),
        ([], [], [], "no customers"),
        ([1, 2], [1.0, np.nan], [5.0, 5.0], "recency must be finite"),
    ],
)
def test_bgnbd_rejects_bad_input(
    x: list[float], t_x: list[float], T: list[float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BGNBD().fit(x, t_x, T)


def test_gamma_gamma_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        GammaGamma().fit([1, 2], [10.0, -1.0])
    with pytest.raises(ValueError, match="no customer has a repeat purchase"):
        GammaGamma().fit([0, 0], [np.nan, np.nan])
    with pytest.raises(ValueError, match="needs positive spend"):
        GammaGamma().fit([1, 2], [10.0, 0.0])


def test_unfitted_models_and_bad_clv_arguments_raise(fitted: BGNBD) -> None:
    with pytest.raises(ValueError, match="not fitted"):
        BGNBD().probability_alive([1], [1.0], [2.0])
    gg = GammaGamma()
    with pytest.raises(ValueError, match="not fitted"):
        gg.expected_spend([1], [1.0])
    gg.params_ = {"p": 6.25, "q": 3.74, "v": 15.44}
    summary = pd.DataFrame({"frequency": [1.0], "recency": [1.0], "T": [2.0]})
    with pytest.raises(ValueError, match="monetary_value"):
        clv(fitted, gg, summary, horizon=10, discount_rate=0.01)
    summary["monetary_value"] = [5.0]
    with pytest.raises(ValueError, match="horizon"):
        clv(fitted, gg, summary, horizon=0, discount_rate=0.01)
    with pytest.raises(ValueError, match="discount_rate"):
        clv(fitted, gg, summary, horizon=10, discount_rate=-1.0)


# -- saving, margin ----------------------------------------------------------------------------


def test_fitted_models_pickle_round_trip() -> None:
    x, t_x, T = _simulate_bgnbd((0.8, 5.0, 1.2, 3.0), np.full(500, 40.0), seed=5)
    bg = BGNBD().fit(x, t_x, T)
    repeat = x > 0
    spend = np.random.default_rng(6).gamma(4.0, 5.0, size=int(repeat.sum()))
    gg = GammaGamma().fit(x[repeat], spend)
    bg2, gg2 = pickle.loads(pickle.dumps((bg, gg)))
    assert bg2.params_ == bg.params_ and bg2.log_likelihood_ == bg.log_likelihood_
    assert gg2.params_ == gg.params_
    np.testing.assert_array_equal(
        bg2.expected_purchases(39.0, x, t_x, T), bg.expected_purchases(39.0, x, t_x, T)
    )
    np.testing.assert_array_equal(bg2.probability_alive(x, t_x, T), bg.probability_alive(x, t_x, T))
    np.testing.assert_array_equal(
        gg2.expected_spend(x[repeat], spend), gg.expected_spend(x[repeat], spend)
    )


def test_margin_scales_clv(fitted: BGNBD) -> None:
    gg = GammaGamma()
    gg.params_ = {"p": 6.25, "q": 3.74, "v": 15.44}
    summary = pd.DataFrame(
        {"frequency": [0.0, 2.0], "recency": [0.0, 10.0], "T": [20.0, 20.0]},
        index=["a", "b"],
    ).assign(monetary_value=[np.nan, 40.0])
    revenue = clv(fitted, gg, summary, horizon=52, discount_rate=0.002)
    profit = clv(fitted, gg, summary, horizon=52, discount_rate=0.002, margin=0.3)
    np.testing.assert_allclose(profit, 0.3 * revenue, rtol=1e-12)
    assert revenue.equals(clv(fitted, gg, summary, horizon=52, discount_rate=0.002, margin=1.0))
    # By hand for one period, no discounting: E[Y(1)] * E[M].
    one = clv(fitted, gg, summary, horizon=1, discount_rate=0.0, margin=0.5)
    expected = fitted.expected_purchases(1.0, 2, 10.0, 20.0) * gg.expected_spend([2], [40.0]) * 0.5
    assert one["b"] == pytest.approx(float(expected[0]), rel=1e-12)
    for bad in (0.0, -0.1, 1.5, float("nan"), True):
        with pytest.raises(ValueError, match="margin"):
            clv(fitted, gg, summary, horizon=52, discount_rate=0.0, margin=bad)


# -- customer_value on the sample shop ---------------------------------------------------------


@pytest.fixture(scope="module")
def sample_shop() -> sample.SampleShop:
    return sample.generate(7, n_customers=600, n_products=200, days=365)


@pytest.fixture(scope="module")
def shop_values(sample_shop: sample.SampleShop) -> tuple[pd.DataFrame, pd.Timestamp]:
    purchases = Shop.from_frames(sample_shop.tables).purchases()
    as_of = purchases["ordered_at"].max()
    return customer_value(purchases, as_of=as_of), as_of


def test_customer_value_columns(shop_values: tuple[pd.DataFrame, pd.Timestamp]) -> None:
    values, _ = shop_values
    assert tuple(values.columns) == VALUE_COLUMNS
    assert values.index.name == "customer_id" and values.index.is_monotonic_increasing
    numbers = values.drop(columns="monetary_value")
    assert np.isfinite(numbers.to_numpy()).all()
    assert ((values["probability_alive"] > 0) & (values["probability_alive"] <= 1)).all()
    assert (values["expected_purchases"] >= 0).all() and (values["clv"] >= 0).all()
    # The discounted value is below the undiscounted purchases x spend.
    assert (values["clv"] <= values["expected_purchases"] * values["expected_spend"] + 1e-9).all()


def test_customer_value_ranks_the_planted_segments(
    sample_shop: sample.SampleShop, shop_values: tuple[pd.DataFrame, pd.Timestamp]
) -> None:
    values, as_of = shop_values
    truth = sample_shop.truth
    segment = truth.segment.reindex(values.index)
    mean_clv = values.groupby(segment)["clv"].mean()
    assert mean_clv["loyalists"] > mean_clv["sleeping_dogs"]
    assert mean_clv["loyalists"] == mean_clv.max()
    churned = truth.churned_at.reindex(values.index)
    long_gone = churned < as_of - pd.Timedelta(days=120)
    active = churned.isna()
    assert long_gone.sum() >= 10 and active.sum() >= 10
    alive = values["probability_alive"]
    assert alive[long_gone].mean() < alive[active].mean() - 0.15


def test_customer_value_margin_and_discount(sample_shop: sample.SampleShop) -> None:
    purchases = Shop.from_frames(sample_shop.tables).purchases()
    as_of = purchases["ordered_at"].max()
    base = customer_value(purchases, as_of=as_of, annual_discount_rate=0.0)
    profit = customer_value(purchases, as_of=as_of, annual_discount_rate=0.0, margin=0.4)
    np.testing.assert_allclose(profit["clv"], 0.4 * base["clv"], rtol=1e-9)
    np.testing.assert_allclose(profit["expected_spend"], 0.4 * base["expected_spend"], rtol=1e-9)
    discounted = customer_value(purchases, as_of=as_of, annual_discount_rate=0.2)
    assert (discounted["clv"] < base["clv"] + 1e-9).all()
    short = customer_value(purchases, as_of=as_of, horizon_days=90)
    assert (short["expected_purchases"] <= base["expected_purchases"] + 1e-9).all()


def test_customer_value_needs_repeat_customers(sample_shop: sample.SampleShop) -> None:
    purchases = Shop.from_frames(sample_shop.tables).purchases()
    first_days = purchases["ordered_at"].min() + pd.Timedelta(days=3)
    with pytest.raises(InsufficientDataError, match="repeat customers"):
        customer_value(purchases, as_of=first_days)
    with pytest.raises(InsufficientDataError, match="no purchase"):
        customer_value(purchases, as_of=purchases["ordered_at"].min() - pd.Timedelta(days=2))
    cancelled = purchases.assign(status="cancelled")
    with pytest.raises(InsufficientDataError, match="no purchases"):
        customer_value(cancelled, as_of=purchases["ordered_at"].max())
    as_of = purchases["ordered_at"].max()
    for kwargs, message in [
        ({"horizon_days": 0}, "horizon_days"),
        ({"margin": 2.0}, "margin"),
        ({"annual_discount_rate": -1.0}, "annual_discount_rate"),
        ({"period": "fortnight"}, "period"),
    ]:
        with pytest.raises(ValueError, match=message):
            customer_value(purchases, as_of=as_of, **kwargs)  # type: ignore[arg-type]
