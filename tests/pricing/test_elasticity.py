"""Elasticity estimation: planted elasticities are recovered, intervals cover, bad input fails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.errors import DataError, InsufficientDataError
from shopmind.pricing.elasticity import (
    RESULT_COLUMNS,
    ElasticityEstimator,
    LogLogDemand,
    demand_curve,
    estimate_elasticities,
)


def panel(
    n_products: int,
    n_periods: int,
    *,
    seed: int,
    base_rate: float = 20.0,
    kind: str = "poisson",
    categories: int = 2,
    spread: float = 0.4,
    price_sd: float = 0.15,
    cross: float = 0.0,
) -> tuple[pd.DataFrame, pd.Series]:
    """Products with planted elasticities (category mean + N(0, spread)) and random prices."""
    rng = np.random.default_rng(seed)
    cat = np.arange(n_products) % categories
    means = np.linspace(-2.5, -1.0, categories)
    elasticity = means[cat] + rng.normal(0.0, spread, n_products)
    base = rng.uniform(5.0, 50.0, n_products)
    log_rel = rng.normal(0.0, price_sd, (n_products, n_periods))
    price = np.round(base[:, None] * np.exp(log_rel), 2)
    log_rel = np.log(price / base[:, None])
    # substitutes: mean relative log price of the other products of the category
    others = np.zeros_like(log_rel)
    for c in range(categories):
        rows = cat == c
        total = log_rel[rows].sum(axis=0)
        if rows.sum() > 1:
            others[rows] = (total[None, :] - log_rel[rows]) / (rows.sum() - 1)
    eta = np.log(base_rate) + elasticity[:, None] * log_rel + cross * others
    if kind == "poisson":
        y = rng.poisson(np.exp(eta)).astype(np.float64)
    else:
        y = np.exp(eta + rng.normal(0.0, 0.3, eta.shape))
    ids = np.array([f"P{i:04d}" for i in range(n_products)])
    ds = pd.date_range("2024-01-01", periods=n_periods, freq="D")
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, n_periods),
            "ds": np.tile(ds, n_products),
            "y": y.ravel(),
            "price": price.ravel(),
            "category": np.repeat(np.array([f"c{c}" for c in cat]), n_periods),
        }
    )
    return frame, pd.Series(elasticity, index=ids)


def test_loglog_ols_recovers_planted_elasticities() -> None:
    frame, truth = panel(20, 300, seed=1, kind="lognormal")
    res = estimate_elasticities(frame, method="ols", pooling="none", controls=())
    assert list(res.columns) == list(RESULT_COLUMNS)
    assert (res["status"] == "ok").all()
    err = (res["elasticity"] - truth.reindex(res.index)).abs()
    assert err.max() < 0.35


def test_poisson_glm_recovers_planted_elasticities() -> None:
    frame, truth = panel(20, 300, seed=2, base_rate=30.0)
    res = estimate_elasticities(frame, pooling="none", controls=())
    err = (res["elasticity"] - truth.reindex(res.index)).abs()
    assert err.mean() < 0.1
    assert err.max() < 0.3


def test_shrinkage_beats_unpooled_on_sparse_products() -> None:
    frame, truth = panel(120, 150, seed=3, base_rate=0.6, spread=0.3)
    none = estimate_elasticities(frame, pooling="none", controls=())
    pooled = estimate_elasticities(frame, pooling="shrinkage", controls=())
    ok = (none["status"] == "ok") & (pooled["status"] == "ok")
    t = truth.reindex(none.index)[ok]
    mse_none = float(((none["elasticity"][ok] - t) ** 2).mean())
    mse_pooled = float(((pooled["elasticity"][ok] - t) ** 2).mean())
    assert mse_pooled < 0.5 * mse_none
    assert pooled.loc[ok, "shrinkage"].between(0.0, 1.0).all()


def test_cross_price_elasticity_is_recovered() -> None:
    frame, _ = panel(30, 400, seed=4, base_rate=25.0, categories=1, price_sd=0.2, cross=0.8)
    res = estimate_elasticities(frame, pooling="none", controls=("cross",))
    assert abs(res["cross_elasticity"].mean() - 0.8) < 0.15
    assert res["cross_std_error"].notna().all()


def test_intervals_cover_close_to_nominal() -> None:
    frame, truth = panel(300, 120, seed=5, base_rate=4.0)
    res = estimate_elasticities(frame, pooling="none", controls=(), confidence=0.9)
    t = truth.reindex(res.index)
    covered = ((res["ci_low"] <= t) & (t <= res["ci_high"])).mean()
    assert 0.85 <= covered <= 0.95
    shrunk = estimate_elasticities(frame, pooling="shrinkage", controls=(), confidence=0.9)
    covered = ((shrunk["ci_low"] <= t) & (t <= shrunk["ci_high"])).mean()
    assert 0.84 <= covered <= 0.97


def test_constant_prices_are_not_identified() -> None:
    frame, _ = panel(6, 100, seed=6)
    frame.loc[frame["unique_id"] == "P0000", "price"] = 9.99
    res = estimate_elasticities(frame, controls=())
    row = res.loc["P0000"]
    assert row["status"] == "not identified"
    assert "price variation" in row["reason"]
    assert np.isnan(row["elasticity"])
    assert np.isfinite(row["pooled_elasticity"])  # the category fallback, labelled as such
    assert (res.drop(index="P0000")["status"] == "ok").all()


def test_few_sales_are_not_identified() -> None:
    frame, _ = panel(6, 100, seed=7)
    frame.loc[frame["unique_id"] == "P0001", "y"] = 0.0
    res = estimate_elasticities(frame, controls=())
    assert res.loc["P0001", "status"] == "not identified"
    assert "too few sales" in res.loc["P0001", "reason"]


def test_single_panel_estimator() -> None:
    frame, truth = panel(1, 500, seed=8, base_rate=15.0)
    model = LogLogDemand().fit(frame, controls=("dow", "trend"))
    assert abs(model.elasticity_ - truth.iloc[0]) < 0.3
    ci = model.conf_int()
    assert ci.loc["log_price", "low"] < model.elasticity_ < ci.loc["log_price", "high"]
    assert {"const", "log_price", "dow_1", "trend"} <= set(model.coef_.index)
    pred = model.predict(frame)
    assert pred.shape == (500,)
    assert abs(pred.mean() / frame["y"].mean() - 1.0) < 0.05
    ols = LogLogDemand("ols").fit(frame.assign(y=frame["y"] + 1.0))
    assert np.isfinite(ols.elasticity_)


def test_single_panel_constant_price_raises() -> None:
    frame, _ = panel(1, 50, seed=9)
    frame["price"] = 4.99
    with pytest.raises(InsufficientDataError, match="price variation"):
        LogLogDemand().fit(frame)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda f: f.drop(columns="price"), DataError, "price"),
        (lambda f: f.assign(price=0.0), DataError, "positive"),
        (lambda f: f.assign(price=-f["price"]), DataError, "positive"),
        (lambda f: f.assign(y=-1.0), DataError, "negative"),
        (lambda f: f.assign(price=np.nan), DataError, "finite"),
        (lambda f: f.iloc[:0], InsufficientDataError, "empty"),
        (lambda f: pd.concat([f, f.iloc[:1]]), DataError, "more than one row"),
    ],
)
def test_bad_input(change: object, error: type[Exception], match: str) -> None:
    frame, _ = panel(3, 30, seed=10)
    with pytest.raises(error, match=match):
        estimate_elasticities(change(frame), controls=())  # type: ignore[operator]


def test_bad_arguments() -> None:
    frame, _ = panel(3, 30, seed=11)
    with pytest.raises(ValueError, match="method"):
        estimate_elasticities(frame, method="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="controls"):
        estimate_elasticities(frame, controls=("weather",))
    with pytest.raises(ValueError, match="confidence"):
        estimate_elasticities(frame, confidence=1.5)
    with pytest.raises(ValueError, match="pooling"):
        estimate_elasticities(frame, pooling="full")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        estimate_elasticities([1, 2, 3])  # type: ignore[arg-type]


def test_category_level_and_dml() -> None:
    frame, truth = panel(20, 200, seed=12, base_rate=10.0, spread=0.05)
    cat = estimate_elasticities(frame, level="category", controls=())
    means = truth.groupby(frame.groupby("unique_id")["category"].first()).mean()
    for c, m in means.items():
        got = cat.loc[cat["category"] == c, "elasticity"].iloc[0]
        assert abs(got - m) < 0.15
    dml = estimate_elasticities(frame, method="dml", pooling="none", controls=("trend",))
    ok = dml["status"] == "ok"
    assert ok.mean() > 0.9
    err = (dml.loc[ok, "elasticity"] - truth.reindex(dml.index)[ok]).abs()
    assert err.median() < 0.5


def test_demand_curve_and_predict() -> None:
    frame, _ = panel(4, 200, seed=13, base_rate=10.0)
    est = ElasticityEstimator(controls=("trend",)).fit(frame)
    curve = est.demand_curve("P0001", unit_cost=5.0)
    assert list(curve.columns[:5]) == ["price", "units", "units_low", "units_high", "revenue"]
    assert np.all(np.diff(curve["units"]) < 0)  # downward sloping
    assert (curve["units_low"] <= curve["units"]).all()
    assert (curve["units"] <= curve["units_high"]).all()
    assert "profit" in curve.columns
    assert curve["source"].eq("product").all()
    pred = est.predict(frame)
    assert np.isfinite(pred).all()
    assert abs(pred.sum() / frame["y"].sum() - 1.0) < 0.05
    row = est.results_.loc["P0002"].copy()
    row["elasticity"] = np.nan
    assert demand_curve(row, [1.0, 2.0])["source"].eq("category").all()
    with pytest.raises(ValueError, match="positive"):
        demand_curve(est.results_.loc["P0002"], [0.0, 1.0])


def test_sample_shop_estimates_follow_the_truth() -> None:
    shop = sample.generate(5, n_customers=800, n_products=80, days=365)
    res = estimate_elasticities(Shop.from_frames(shop.tables))
    ok = res["status"] == "ok"
    assert ok.sum() >= 40
    truth = shop.truth.elasticity.reindex(res.index)
    corr = np.corrcoef(res.loc[ok, "elasticity"], truth[ok])[0, 1]
    assert corr > 0.25
    assert (res.loc[ok, "elasticity"] - truth[ok]).abs().mean() < 1.0
