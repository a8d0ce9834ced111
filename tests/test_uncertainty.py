"""Intervals of reported figures: bootstrap means, paired gains and Wilson shares."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.uncertainty import bootstrap_mean, paired_gain, wilson


def test_bootstrap_mean_brackets_the_mean_and_narrows_with_more_data() -> None:
    rng = np.random.default_rng(3)
    small, large = rng.normal(10, 2, 30), rng.normal(10, 2, 3000)
    low, high = bootstrap_mean(small)
    assert low < small.mean() < high
    wide = high - low
    low, high = bootstrap_mean(large)
    assert low < large.mean() < high and high - low < wide / 5
    assert bootstrap_mean(np.array([4.0])) == (4.0, 4.0)


def test_paired_gain_of_a_better_model() -> None:
    rng = np.random.default_rng(0)
    baseline = rng.uniform(0.1, 0.3, 500)
    ours = baseline * 1.5 + rng.normal(0, 0.01, 500)  # 50% better on every unit
    percent, low, high = paired_gain(ours, baseline, higher_is_better=True)
    assert percent == pytest.approx(50, abs=1.0)
    assert 45 < low < percent < high < 55


def test_paired_gain_of_errors_counts_a_reduction_as_a_gain() -> None:
    rng = np.random.default_rng(1)
    naive = rng.uniform(1.0, 2.0, 200)
    ours = np.append(naive[:-2] * 0.8, [np.nan, np.inf])  # the last two units are left out
    percent, low, high = paired_gain(ours, naive, higher_is_better=False)
    assert percent == pytest.approx(20, abs=0.5)
    assert low <= percent <= high


def test_paired_gain_interval_spans_zero_when_there_is_no_difference() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0, 1, 400), rng.uniform(0, 1, 400)
    _, low, high = paired_gain(a, b, higher_is_better=True)
    assert low < 0 < high


def test_paired_gain_rejects_what_cannot_be_compared() -> None:
    with pytest.raises(ValueError, match="shape"):
        paired_gain(np.ones(3), np.ones(4), higher_is_better=True)
    with pytest.raises(ValueError, match="positive baseline"):
        paired_gain(np.ones(3), np.zeros(3), higher_is_better=True)


def test_wilson_interval() -> None:
    low, high = wilson(45, 50)
    assert low < 0.9 < high and high <= 1.0
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    with pytest.raises(ValueError, match="at least one"):
        wilson(0, 0)
