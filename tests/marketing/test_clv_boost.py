"""BoostedBGNBD: BG/NBD times a learned correction, fitted on calibration data only."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from shopmind.data import datasets, sample
from shopmind.data.snapshot import Shop
from shopmind.marketing.clv import BGNBD, rfm_summary
from shopmind.marketing.clv_boost import BoostedBGNBD, purchase_features


@pytest.fixture(scope="module")
def purchases() -> pd.DataFrame:
    shop = sample.generate(11, n_customers=600, n_products=200, days=365)
    lines = Shop.from_frames(shop.tables).purchases()
    return lines[lines["status"] != "cancelled"].reset_index(drop=True)


@pytest.fixture(scope="module")
def cutoff(purchases: pd.DataFrame) -> pd.Timestamp:
    return (purchases["ordered_at"].min() + pd.Timedelta(days=240)).normalize()


@pytest.fixture(scope="module")
def model(purchases: pd.DataFrame, cutoff: pd.Timestamp) -> BoostedBGNBD:
    small = {"n_estimators": 60, "min_child_samples": 20}
    return BoostedBGNBD(**small).fit(purchases, calibration_end=cutoff, quantity="quantity")


def test_features_by_hand() -> None:
    daily = pd.DataFrame(
        {
            "customer": ["a", "a", "a", "b"],
            "day": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-29", "2024-01-22"]),
            "value": [30.0, 5.0, 15.0, 7.0],
            "quantity": [1.0, 2.0, 3.0, 1.0],
        }
    )
    f = purchase_features(daily, pd.Timestamp("2024-02-05"), pd.Timedelta(days=7))
    a, b = f.loc["a"], f.loc["b"]
    assert (a["frequency"], a["recency"], a["T"], a["since_last"]) == (2, 4, 5, 1)
    assert a["recent_4w"] == 2 and a["recent_13w"] == 2  # repeat purchases only
    assert a["mean_gap"] == 2 and a["last_gap"] == 2 and a["since_in_gaps"] == 0.5
    assert a["first_value"] == 30 and a["mean_value"] == pytest.approx(50 / 3)
    assert a["total_value"] == 50 and a["first_quantity"] == 1 and a["mean_quantity"] == 2
    assert b["frequency"] == 0 and b["recent_4w"] == 0 and np.isnan(b["mean_gap"])


def test_predictions_cover_the_calibration_customers(
    model: BoostedBGNBD, purchases: pd.DataFrame, cutoff: pd.Timestamp
) -> None:
    summary = rfm_summary(purchases, calibration_end=cutoff)
    predicted = model.predict(20.0)
    assert predicted.index.equals(summary.index)
    assert np.isfinite(predicted).all() and (predicted >= 0).all()
    assert (model.predict(0.0) == 0).all()
    assert (model.predict(40.0) >= predicted).all()
    factor = model.correction()
    assert np.isfinite(factor).all() and (factor > 0).all()
    # The correction multiplies the BG/NBD expectation of the model refitted at the cutoff.
    plain = BGNBD().fit(summary["frequency"], summary["recency"], summary["T"])
    expected = plain.expected_purchases(
        20.0, summary["frequency"], summary["recency"], summary["T"]
    )
    np.testing.assert_allclose(predicted / factor, expected, rtol=1e-6)
    assert model.inner_cut_ is not None and model.inner_cut_ < cutoff
    assert model.inner_horizon_ == pytest.approx((cutoff - model.inner_cut_).days / 7)


def test_no_holdout_leakage(
    model: BoostedBGNBD, purchases: pd.DataFrame, cutoff: pd.Timestamp
) -> None:
    """Purchases after the calibration end change nothing."""
    days = purchases["ordered_at"].dt.normalize()
    truncated = purchases[days <= cutoff]
    small = {"n_estimators": 60, "min_child_samples": 20}
    again = BoostedBGNBD(**small).fit(truncated, calibration_end=cutoff, quantity="quantity")
    pd.testing.assert_series_equal(again.predict(20.0), model.predict(20.0))


def test_pickle_round_trip(model: BoostedBGNBD) -> None:
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(restored.predict(13.0), model.predict(13.0))


def test_bad_use_raises(purchases: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="not fitted"):
        BoostedBGNBD().predict(10.0)
    with pytest.raises(ValueError, match="split"):
        BoostedBGNBD(split=1.0)
    with pytest.raises(ValueError, match="'revenue'"):
        BoostedBGNBD().fit(purchases.drop(columns="revenue"), calibration_end="2030-01-01")


@pytest.mark.datasets
def test_cdnow_sample_runs() -> None:
    try:
        tables = datasets.cdnow(sample=True)
    except datasets.DatasetMissing as missing:
        pytest.skip(f"the CDNOW 1/10 sample is not available: {missing}")
    lines = Shop.from_frames(tables).purchases()
    fitted = BoostedBGNBD().fit(lines, calibration_end="1997-09-30", quantity="quantity")
    predicted = fitted.predict(39.0)
    assert len(predicted) == 2357 and np.isfinite(predicted).all()
    assert fitted.inner_horizon_ == pytest.approx(19.43, abs=0.01)
