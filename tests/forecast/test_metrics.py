"""Forecast metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from shopmind.forecast.base import check_quantiles, quantile_column
from shopmind.forecast.metrics import bias, coverage, evaluate, mase, pinball, rmsse, scale, wape


def test_scaled_errors_by_hand() -> None:
    train = [1.0, 3.0, 2.0, 4.0]  # naive diffs 2, 1, 2 -> mean 5/3; squared 4, 1, 4 -> 3
    assert scale(train) == pytest.approx(5 / 3)
    assert mase([5.0, 5.0], [4.0, 7.0], train) == pytest.approx(1.5 / (5 / 3))
    assert rmsse([5.0, 5.0], [4.0, 7.0], train) == pytest.approx(math.sqrt(2.5 / 3))
    # seasonal: m = 2 -> diffs |2-1|, |4-3| = 1
    assert scale(train, season=2) == pytest.approx(1.0)
    # a history no longer than the season falls back to the naive scale
    assert scale(train, season=52) == pytest.approx(5 / 3)
    assert math.isnan(scale([2.0, 2.0, 2.0]))


def test_pooled_errors_and_intervals_by_hand() -> None:
    y, f = [10.0, 0.0, 5.0], [8.0, 1.0, 5.0]
    assert wape(y, f) == pytest.approx(3 / 15)
    assert bias(y, f) == pytest.approx(-1 / 15)
    # q = 0.9: errors y - f = 2, -1, 0 -> 0.9*2, 0.1*1, 0 -> mean 1.9/3
    assert pinball(y, f, 0.9) == pytest.approx(1.9 / 3)
    assert coverage(y, [9.0, 0.0, 6.0], [11.0, 0.5, 7.0]) == pytest.approx(2 / 3)


def test_evaluate_a_long_forecast() -> None:
    days = pd.date_range("2024-01-01", periods=6, freq="D")
    train = pd.DataFrame({"unique_id": ["a"] * 4, "ds": days[:4], "y": [1.0, 3.0, 2.0, 4.0]})
    actuals = pd.DataFrame({"unique_id": ["a", "a"], "ds": days[4:], "y": [5.0, 5.0]})
    forecast = pd.DataFrame(
        {
            "unique_id": ["a", "a"],
            "ds": days[4:],
            "mean": [4.0, 7.0],
            "q0.1": [3.0, 6.0],
            "q0.9": [6.0, 8.0],
        }
    )
    result = evaluate(forecast, actuals, train, quantiles=(0.1, 0.9), intervals=[(0.1, 0.9)])
    assert result["mase"] == pytest.approx(0.9)
    assert result["wape"] == pytest.approx(0.3)
    assert result["coverage@0.1-0.9"] == pytest.approx(0.5)
    assert result["pinball@0.1"] == pytest.approx(np.mean([0.2, 0.9]))
    with pytest.raises(ValueError, match="share no"):
        evaluate(forecast.assign(unique_id="b"), actuals, train)


def test_quantile_names_and_checks() -> None:
    assert quantile_column(0.1) == "q0.1" and quantile_column(0.975) == "q0.975"
    assert check_quantiles([0.9, 0.1, 0.5, 0.1]) == (0.1, 0.5, 0.9)
    for bad in ([], [0.0], [1.2]):
        with pytest.raises(ValueError, match="between 0 and 1"):
            check_quantiles(bad)
