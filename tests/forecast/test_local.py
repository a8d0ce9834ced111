"""LocalForecaster: the output contract, model choice, and calibration on known processes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError
from shopmind.forecast.local import LocalForecaster
from shopmind.forecast.metrics import coverage, evaluate
from shopmind.forecast.series import demand_frame

N, H = 140, 14
QS = (0.1, 0.5, 0.9)


def _simulate(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[float, float]]]:
    """Poisson series (rate 3-15) and intermittent Bernoulli x (1 + Poisson) series; returns
    history, held-out actuals and per series the coverage of its true 10%-90% quantiles."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2024-01-01", periods=N + H, freq="D")
    frames, oracle = [], {}
    for i in range(30):
        lam = rng.uniform(3, 15)
        dist = stats.poisson(lam)
        lo, hi = dist.ppf(0.1), dist.ppf(0.9)
        oracle[f"pois{i}"] = (lam, float(dist.cdf(hi) - dist.cdf(lo - 1)))
        frames.append(
            pd.DataFrame(
                {"unique_id": f"pois{i}", "ds": ds, "y": dist.rvs(N + H, random_state=rng)}
            )
        )
    for i in range(20):
        p, lam = rng.uniform(0.15, 0.45), rng.uniform(0.5, 3.0)
        sizes = 1 + np.arange(60)
        pmf = np.concatenate([[1 - p], p * stats.poisson.pmf(sizes - 1, lam)])
        cdf = np.cumsum(pmf)
        lo, hi = np.searchsorted(cdf, 0.1), np.searchsorted(cdf, 0.9)
        oracle[f"int{i}"] = (p * (1 + lam), float(cdf[hi] - (cdf[lo - 1] if lo else 0.0)))
        y = (rng.random(N + H) < p) * (1 + rng.poisson(lam, N + H))
        frames.append(pd.DataFrame({"unique_id": f"int{i}", "ds": ds, "y": y}))
    df = pd.concat(frames, ignore_index=True)
    df["y"] = df["y"].astype(float)
    return df[df.ds < ds[N]], df[df.ds >= ds[N]], oracle


@pytest.fixture(scope="module")
def simulated() -> tuple[
    pd.DataFrame, pd.DataFrame, dict[str, tuple[float, float]], LocalForecaster, pd.DataFrame
]:
    train, test, oracle = _simulate(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LocalForecaster().fit(train)
        forecast = model.predict(H, QS)
    return train, test, oracle, model, forecast


def test_output_contract(simulated) -> None:  # type: ignore[no-untyped-def]
    train, _, _, _, forecast = simulated
    assert list(forecast.columns) == ["unique_id", "ds", "mean", "q0.1", "q0.5", "q0.9"]
    assert len(forecast) == H * train.unique_id.nunique()
    assert forecast.groupby("unique_id").size().eq(H).all()
    first = forecast.groupby("unique_id").ds.min()
    assert (first == pd.Timestamp("2024-01-01") + pd.Timedelta(days=N)).all()
    q = forecast[["q0.1", "q0.5", "q0.9"]].to_numpy()
    assert (q >= 0).all() and (forecast["mean"] >= 0).all()
    assert (np.diff(q, axis=1) >= 0).all()
    assert not forecast.isna().any().any()


def test_models_follow_the_demand_class(simulated) -> None:  # type: ignore[no-untyped-def]
    chosen = simulated[3].chosen_
    poisson = chosen[chosen.index.str.startswith("pois")]
    assert set(poisson.demand_class) == {"smooth"} and set(poisson.model) == {"AutoETS"}
    intermittent = chosen[chosen.index.str.startswith("int")]
    assert set(intermittent.demand_class) <= {"intermittent", "lumpy"}
    assert set(intermittent.model) <= {"CrostonSBA", "TSB"}
    assert set(intermittent.intervals) == {"conformal"}
    assert set(poisson.intervals) == {"native"}


def test_calibrated_coverage_on_known_processes(simulated) -> None:  # type: ignore[no-untyped-def]
    _, test, oracle, _, forecast = simulated
    joined = forecast.merge(test, on=["unique_id", "ds"])
    for prefix, tolerance, drift in (("pois", 0.05, 0.05), ("int", 0.07, 0.15)):
        part = joined[joined.unique_id.str.startswith(prefix)]
        empirical = coverage(part.y, part["q0.1"], part["q0.9"])
        # counts are discrete: the true 10%-90% quantiles cover a bit more than 80%
        target = float(np.mean([oracle[u][1] for u in part.unique_id]))
        assert abs(empirical - target) <= tolerance, (prefix, empirical, target)
        assert empirical >= 0.75
        # the mean is close to the known rate (CrostonSBA shrinks by design: 1 - alpha / 2)
        rates = part.unique_id.map(lambda u: oracle[u][0])
        assert abs(part["mean"].sum() / rates.sum() - 1) < drift


def test_short_and_empty_series_fall_back() -> None:
    ds = pd.date_range("2024-03-01", periods=5, freq="D")
    df = pd.concat(
        [
            pd.DataFrame({"unique_id": "short", "ds": ds, "y": [1.0, 0, 0, 2, 0]}),
            pd.DataFrame({"unique_id": "zero", "ds": ds, "y": 0.0}),
            pd.DataFrame({"unique_id": "one", "ds": ds[-1:], "y": [3.0]}),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LocalForecaster().fit(df)
        out = model.predict(3, (0.05, 0.5, 0.95)).set_index("unique_id")
    assert model.chosen_.loc["short", "intervals"] == "poisson"
    assert model.chosen_.loc["zero", "model"] == "Zero"
    assert (out.loc["zero", ["mean", "q0.05", "q0.95"]].to_numpy() == 0).all()
    assert model.chosen_.loc["one", "intervals"] == "poisson"
    assert (out.loc["one", "q0.95"] >= out.loc["one", "q0.5"]).all()
    with pytest.raises(InsufficientDataError, match="nope"):
        model.predict(3, future=pd.DataFrame({"unique_id": ["nope"], "ds": [ds[0]]}))


def test_gaps_and_weekly_fridays() -> None:
    gap = pd.DataFrame(
        {"unique_id": "a", "ds": pd.to_datetime(["2024-01-01", "2024-01-03"]), "y": 1.0}
    )
    with pytest.raises(ValueError, match="missing period"):
        LocalForecaster().fit(gap)
    fridays = pd.date_range("2023-01-06", periods=30, freq="W-FRI")
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"unique_id": "dept", "ds": fridays, "y": rng.poisson(50, 30).astype(float)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LocalForecaster(freq="W").fit(df)  # 'W' is Sunday-anchored: realigned
        out = model.predict(4)
    assert model.freq_ == "W-FRI"
    assert (out.ds.dt.day_of_week == 4).all()
    assert out.ds.iloc[0] == fridays[-1] + pd.Timedelta(days=7)


def test_sample_shop_holdout_beats_seasonal_naive() -> None:
    shop = Shop.from_frames(sample.generate(3, n_customers=400, n_products=60, days=300).tables)
    df = demand_frame(shop)[["unique_id", "ds", "y"]]
    cut = df.ds.max() - pd.Timedelta(days=27)
    train, test = df[df.ds < cut], df[df.ds >= cut]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecast = LocalForecaster().fit(train).predict(28, QS)
        naive = LocalForecaster(models="SeasonalNaive").fit(train).predict(28, QS)
    ours = evaluate(forecast, test, train, season=7, quantiles=QS, intervals=[(0.1, 0.9)])
    median = evaluate(forecast, test, train, season=7, column="q0.5")
    base = evaluate(naive, test, train, season=7, quantiles=QS)
    # MASE is an absolute error: its best point forecast is the median (0 for sparse series);
    # the mean is judged by the squared error (RMSSE) and the quantiles by the pinball loss
    assert median["mase"] <= base["mase"]
    assert ours["rmsse"] <= base["rmsse"]
    assert ours["pinball"] <= base["pinball"]
    # ~90% of these days sell nothing, so even the true 10%-90% quantiles cover well above 80%
    assert 0.78 <= ours["coverage@0.1-0.9"] <= 0.97, ours
