"""Rolling-origin backtests on hand-checkable series with stub forecasters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.forecast.backtest import (
    CUTOFF,
    backtest,
    cutoffs,
    intervals_of,
    make_model,
    series_scales,
    series_scores,
)
from shopmind.forecast.base import ID, TARGET, TIME
from tests.forecast.backtest_stubs import MeanStub, NaiveStub, daily

RAMP = daily({"a": [float(v) for v in range(1, 11)]})  # y = 1..10 on 2024-01-01..10


def test_cutoffs_sit_on_the_calendar_oldest_first() -> None:
    assert cutoffs(RAMP, h=2, n_windows=2) == [
        pd.Timestamp("2024-01-06"),
        pd.Timestamp("2024-01-08"),
    ]
    assert cutoffs(RAMP, h=3, n_windows=3, step=1) == [
        pd.Timestamp("2024-01-05"),
        pd.Timestamp("2024-01-06"),
        pd.Timestamp("2024-01-07"),
    ]
    with pytest.raises(ValueError, match="distinct dates"):
        cutoffs(RAMP, h=5, n_windows=2)


def test_intervals_pair_mirrored_quantiles() -> None:
    assert intervals_of((0.025, 0.1, 0.5, 0.9, 0.975)) == ((0.025, 0.975), (0.1, 0.9))
    assert intervals_of((0.1, 0.5)) == ()


def test_naive_on_a_ramp_is_scored_by_hand() -> None:
    # Window 1: trained on 1..6, forecasts 6, 6 for 7, 8. Window 2: 8, 8 for 9, 10.
    # Errors 1, 2 in each; the naive scale of a ramp is 1, so MASE = 1.5 per window.
    result = backtest(NaiveStub(spread=3.0), RAMP, h=2, n_windows=2)
    assert list(result.windows[CUTOFF]) == cutoffs(RAMP, h=2, n_windows=2)
    assert result.windows["mase"].tolist() == pytest.approx([1.5, 1.5])
    assert result.metrics["mase"] == pytest.approx(1.5)
    assert result.metrics["rmsse"] == pytest.approx(np.sqrt(2.5))
    assert result.metrics["wape"] == pytest.approx(6 / 34)
    assert result.metrics["bias"] == pytest.approx(-6 / 34)
    # q0.9 = level + 1.2: 7.2 and 9.2 cover 7 and 9, miss 8 and 10.
    assert result.metrics["coverage@0.1-0.9"] == pytest.approx(0.5)
    # pinball@0.9: rows 7 / 7.2, 8 / 7.2 (and 9 / 9.2, 10 / 9.2) -> 0.02 and 0.72.
    assert result.metrics["pinball@0.9"] == pytest.approx((0.02 + 0.72) / 2)
    forecasts = result.forecasts
    assert list(forecasts.columns[:3]) == [ID, TIME, CUTOFF]
    assert forecasts["mean"].tolist() == [6.0, 6.0, 8.0, 8.0]
    assert forecasts[TARGET].tolist() == [7.0, 8.0, 9.0, 10.0]
    assert result.windows["n_series"].tolist() == [1, 1]
    assert (result.windows["fit_seconds"] >= 0).all()
    assert result.metrics["fit_seconds"] >= 0


def test_each_window_refits_on_data_before_its_cutoff_only() -> None:
    # The mean forecaster sees 1..6 (mean 3.5) then 1..8 (mean 4.5).
    result = backtest(MeanStub, RAMP, h=2, n_windows=2)
    assert result.forecasts["mean"].tolist() == [3.5, 3.5, 4.5, 4.5]
    assert result.scales["scale"].tolist() == [1.0, 1.0]


def test_models_come_from_classes_factories_or_instances() -> None:
    template = NaiveStub()
    via_instance = backtest(template, RAMP, h=2, n_windows=2)
    via_factory = backtest(lambda: NaiveStub(), RAMP, h=2, n_windows=2)
    assert via_instance.metrics["mase"] == via_factory.metrics["mase"]
    assert not hasattr(template, "levels_")  # the template itself is never fitted
    assert isinstance(make_model(NaiveStub), NaiveStub)


def test_seasonal_scale_and_its_naive_fallback() -> None:
    weekly = daily({"s": [1.0, 5.0] * 10, "short": [1.0, 3.0]})
    scales = series_scales(weekly, season=2).set_index(ID)
    assert np.isnan(scales.loc["s", "scale"])  # a perfectly 2-periodic series: zero scale
    assert scales.loc["short", "scale"] == pytest.approx(2.0)  # two points: m falls back to 1
    naive = series_scales(weekly, season=1).set_index(ID)
    assert naive.loc["s", "scale"] == pytest.approx(4.0)


def test_future_columns_reach_predict_for_the_window_periods() -> None:
    frame = RAMP.assign(promo=np.arange(10) % 2 == 0)
    model = NaiveStub()
    seen: list[pd.DataFrame | None] = []

    class Recording(NaiveStub):
        def predict(self, h, quantiles=(0.5,), future=None):  # type: ignore[no-untyped-def]
            seen.append(future)
            return super().predict(h, quantiles, future)

    backtest(Recording, frame, h=2, n_windows=2, future_columns=["promo"])
    assert len(seen) == 2
    first = seen[0]
    assert first is not None
    assert list(first.columns) == [ID, TIME, "promo"]
    assert first[TIME].tolist() == [pd.Timestamp("2024-01-07"), pd.Timestamp("2024-01-08")]
    with pytest.raises(ValueError, match="price"):
        backtest(model, frame, h=2, n_windows=1, future_columns=["price"])


def test_series_missing_from_a_window_are_not_scored() -> None:
    frame = daily({"a": [float(v) for v in range(1, 11)], "b": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    result = backtest(NaiveStub, frame, h=2, n_windows=2)
    assert result.windows["n_series"].tolist() == [1, 1]
    assert set(result.forecasts[ID]) == {"a"}
    per = result.per_series.set_index(ID)
    assert per.loc["a", "mase"] == pytest.approx(1.5)
    assert per.loc["a", "wape"] == pytest.approx(6 / 34)


def test_series_scores_rank_members_per_series() -> None:
    noise = np.random.default_rng(0).normal(0.0, 1.0, 20)
    frame = daily({"ramp": [float(v) for v in range(1, 21)], "flat": list(5.0 + noise)})
    naive = backtest(NaiveStub, frame, h=2, n_windows=3, quantiles=(0.1, 0.9))
    mean = backtest(MeanStub, frame, h=2, n_windows=3, quantiles=(0.1, 0.9))
    for metric in ("mase", "rmsse", "wape", "pinball"):
        n = series_scores(naive.forecasts, naive.scales, metric)
        m = series_scores(mean.forecasts, mean.scales, metric)
        assert n["ramp"] < m["ramp"]
        assert m["flat"] < n["flat"]
    with pytest.raises(ValueError, match="unknown metric"):
        series_scores(naive.forecasts, naive.scales, "mape")
