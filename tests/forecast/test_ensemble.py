"""The ensemble's inner backtest picks the right member (or combination) per series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.forecast.backtest import backtest
from shopmind.forecast.base import ID, TIME, quantile_column
from shopmind.forecast.ensemble import Ensemble
from tests.forecast.backtest_stubs import ConstantStub, MeanStub, NaiveStub, daily

QUANTILES = (0.1, 0.5, 0.9)


def two_groups(n: int = 4, length: int = 40) -> pd.DataFrame:
    """Trending series (naive wins) and zig-zags around a level (the mean wins)."""
    rng = np.random.default_rng(0)
    values: dict[str, list[float]] = {}
    for i in range(n):
        values[f"trend{i}"] = list(10.0 + (i + 1) * np.arange(length) + rng.normal(0, 0.1, length))
        zigzag = 5.0 * (-1.0) ** np.arange(length)
        values[f"noise{i}"] = list(50.0 + zigzag + rng.normal(0, 1.0, length))
    return daily(values)


def test_per_series_selection_gives_each_group_its_member() -> None:
    frame = two_groups()
    ensemble = Ensemble(
        {"naive": NaiveStub, "mean": MeanStub}, h=4, n_windows=2, combinations=()
    ).fit(frame)
    for key, choice in ensemble.chosen_.items():
        assert choice == ("naive" if key.startswith("trend") else "mean"), key
    forecast = ensemble.predict(4, QUANTILES)
    naive = NaiveStub().fit(frame).predict(4, QUANTILES).set_index([ID, TIME])
    mean = MeanStub().fit(frame).predict(4, QUANTILES).set_index([ID, TIME])
    got = forecast.set_index([ID, TIME])
    for key in got.index.get_level_values(ID).unique():
        expected = naive if key.startswith("trend") else mean
        pd.testing.assert_frame_equal(
            got.loc[key], expected.loc[key][got.columns], check_names=False
        )
    assert len(forecast) == 8 * 4
    assert set(ensemble.scores_.columns) == {"naive", "mean"}  # no median of two


def test_per_series_beats_either_member_in_an_outer_backtest() -> None:
    frame = two_groups(length=60)

    def ensemble() -> Ensemble:
        return Ensemble({"naive": NaiveStub, "mean": MeanStub}, h=4, n_windows=2)

    scores = {
        name: backtest(model, frame, h=4, n_windows=2).metrics["mase"]
        for name, model in {"naive": NaiveStub, "mean": MeanStub, "ensemble": ensemble}.items()
    }
    assert scores["ensemble"] < min(scores["naive"], scores["mean"])


def test_global_selection_takes_the_best_overall() -> None:
    frame = two_groups()
    ensemble = Ensemble(
        {"naive": NaiveStub, "mean": MeanStub}, h=4, selection="global", combinations=()
    ).fit(frame)
    assert ensemble.best_ == "naive"  # the trends' MASE under the mean forecaster is huge
    assert set(ensemble.chosen_.values()) == {"naive"}
    assert list(ensemble.fitted_) == ["naive"]  # only the needed members are refitted


def test_a_combination_is_used_only_where_it_wins() -> None:
    # Flat series at 0, 5 and 10: "low" (0) is exact on the first, "high" (10) on the last and
    # only their average is exact on the middle one.
    frame = daily({"zero": [0.0] * 12, "five": [5.0] * 12, "ten": [10.0] * 12})
    members = {"low": lambda: ConstantStub(0.0, 2.0), "high": lambda: ConstantStub(10.0, 4.0)}
    ensemble = Ensemble(members, h=2, n_windows=2).fit(frame)
    assert ensemble.chosen_ == {"zero": "low", "five": "average", "ten": "high"}
    forecast = ensemble.predict(3, (0.1, 0.5, 0.9)).set_index([ID, TIME])
    assert forecast.loc["five", "mean"].tolist() == [5.0, 5.0, 5.0]
    # Averaged quantiles: (0 - 0.8 + 10 - 1.6) / 2 = 3.8 for q0.1; they stay ordered.
    assert forecast.loc["five", quantile_column(0.1)].tolist() == pytest.approx([3.8] * 3)
    columns = [quantile_column(q) for q in (0.1, 0.5, 0.9)]
    assert (np.diff(forecast[columns].to_numpy(), axis=1) >= 0).all()
    assert forecast.loc["zero", "mean"].tolist() == [0.0, 0.0, 0.0]


def test_median_of_three_keeps_quantiles_monotone() -> None:
    frame = daily({"x": list(np.random.default_rng(1).normal(5.0, 1.0, 60))})
    members = {
        "low": lambda: ConstantStub(4.0, 1.0),
        "mid": lambda: ConstantStub(5.0, 6.0),
        "high": lambda: ConstantStub(6.0, 2.0),
    }
    ensemble = Ensemble(members, h=3, n_windows=10, metric="pinball", combinations=("median",)).fit(
        frame
    )
    assert ensemble.chosen_ == {"x": "median"}
    out = ensemble.predict(3, QUANTILES)
    assert out["mean"].tolist() == [5.0, 5.0, 5.0]
    # q0.1 candidates: 3.6, 2.6, 5.2 -> 3.6; q0.9: 4.4, 7.4, 6.8 -> 6.8.
    assert out[quantile_column(0.1)].tolist() == pytest.approx([3.6] * 3)
    assert out[quantile_column(0.9)].tolist() == pytest.approx([6.8] * 3)


def test_unscored_and_short_series_fall_back_to_the_best_overall() -> None:
    frame = two_groups()
    late = daily({"late": [1.0, 2.0]}, start=str(frame[TIME].max().date()))
    ensemble = Ensemble({"naive": NaiveStub, "mean": MeanStub}, h=4).fit(
        pd.concat([frame, late], ignore_index=True)
    )
    assert ensemble.chosen_["late"] == ensemble.best_
    tiny = daily({"t": [1.0, 2.0, 3.0]})
    fallback = Ensemble({"naive": NaiveStub, "mean": MeanStub}, h=4).fit(tiny)
    assert fallback.chosen_ == {"t": "naive"}  # too short for any window: the first member
    assert fallback.predict(2)["mean"].tolist() == [3.0, 3.0]


def test_the_ensemble_is_itself_a_forecaster() -> None:
    frame = two_groups(n=2, length=30)
    result = backtest(
        lambda: Ensemble({"naive": NaiveStub, "mean": MeanStub}, h=3), frame, h=3, n_windows=2
    )
    assert np.isfinite(result.metrics["mase"])
    assert {"coverage@0.1-0.9", "pinball"} <= set(result.metrics)


def test_pinball_metric_uses_the_quantiles() -> None:
    frame = daily({"x": [5.0, 7.0] * 10})
    members = {"narrow": lambda: ConstantStub(6.0, 0.1), "wide": lambda: ConstantStub(6.0, 2.5)}
    ensemble = Ensemble(members, h=2, metric="pinball", combinations=()).fit(frame)
    assert ensemble.chosen_ == {"x": "wide"}  # same means, the wide band fits 5 and 7 better


def test_backtest_members_stand_in_for_the_inner_backtest_only() -> None:
    frame = two_groups(n=1)
    ensemble = Ensemble(
        {"naive": NaiveStub, "mean": MeanStub}, h=4, backtest_members={"naive": MeanStub}
    ).fit(frame)
    inner = ensemble.backtests_
    pd.testing.assert_frame_equal(inner["naive"].forecasts, inner["mean"].forecasts)
    assert set(ensemble.chosen_.values()) == {"naive"}  # the tie goes to the first member
    last = frame.groupby(ID)["y"].last()
    forecast = ensemble.predict(1).set_index(ID)["mean"]
    pd.testing.assert_series_equal(forecast.sort_index(), last.sort_index(), check_names=False)
    with pytest.raises(ValueError, match="not members"):
        Ensemble({"a": NaiveStub}, backtest_members={"b": MeanStub})


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one member"):
        Ensemble({})
    with pytest.raises(ValueError, match="selection"):
        Ensemble({"a": NaiveStub}, selection="best")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clash"):
        Ensemble({"average": MeanStub})
    with pytest.raises(ValueError, match="combination"):
        Ensemble({"a": NaiveStub}, combinations=("trimmed",))
    with pytest.raises(RuntimeError, match="fit"):
        Ensemble({"a": NaiveStub}).predict(2)
