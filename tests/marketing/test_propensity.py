"""Propensity models: planted truth of the sample shop (activity segments, churn times),
calibration on a held-out window, the metrics on hand-computed examples and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.errors import DataError, InsufficientDataError
from shopmind.marketing.features import customer_features, purchase_label
from shopmind.marketing.propensity import (
    FittedPropensity,
    PropensityModel,
    auc,
    calibration_table,
    default_as_of,
    evaluate_propensity,
    fit_propensity,
    lift_at,
    plot_calibration,
)

HORIZON = 28


@pytest.fixture(scope="module")
def generated() -> sample.SampleShop:
    return sample.generate(7, n_customers=600, n_products=200, days=240)


@pytest.fixture(scope="module")
def shop(generated: sample.SampleShop) -> Shop:
    return Shop.from_frames(generated.tables)


@pytest.fixture(scope="module")
def purchase(shop: Shop) -> FittedPropensity:
    return fit_propensity(shop, target="purchase", horizon_days=HORIZON)


# -- planted truth -----------------------------------------------------------------------------


def test_purchase_propensity_ranks_a_held_out_window(shop: Shop) -> None:
    result = evaluate_propensity(shop, "purchase", HORIZON)
    assert result["auc"] > 0.72
    assert result["lift@10%"] > 1.8
    # calibrated: the mean probability is close to the rate observed in the held-out window
    assert result["mean_predicted"] == pytest.approx(result["base_rate"], abs=0.04)
    assert result["brier"] < result["base_rate"] * (1 - result["base_rate"])  # beats the base rate
    # the default stacks the three newest windows before the test window
    train_span = pd.Timestamp(result["test_as_of"]) - pd.Timestamp(result["train_as_of"])
    assert train_span == pd.Timedelta(days=3 * HORIZON)


def test_active_segments_get_higher_purchase_propensity(
    purchase: FittedPropensity, generated: sample.SampleShop
) -> None:
    segment = generated.truth.segment.reindex(purchase.scores.index)
    means = purchase.scores.groupby(segment).mean()
    assert means.idxmax() == "loyalists"
    assert means["loyalists"] > 1.5 * means["sleeping_dogs"]
    # activity (the planted session rate) and propensity go together
    activity = generated.truth.activity.reindex(purchase.scores.index)
    assert purchase.scores.corr(activity, method="spearman") > 0.4


def test_churn_propensity_finds_planted_churners(shop: Shop, generated: sample.SampleShop) -> None:
    fitted = fit_propensity(shop, target="churn", horizon_days=HORIZON)
    churned_at = generated.truth.churned_at.reindex(fitted.scores.index)
    gone = (churned_at < fitted.as_of + pd.Timedelta(days=HORIZON)).to_numpy()
    assert 0.05 < gone.mean() < 0.5
    assert auc(gone, fitted.scores.to_numpy()) > 0.75


def test_calibration_on_the_held_out_window(shop: Shop) -> None:
    test_as_of = default_as_of(shop) - pd.Timedelta(days=HORIZON)
    fitted = fit_propensity(shop, target="purchase", horizon_days=HORIZON, as_of=test_as_of)
    y = purchase_label(shop, test_as_of, HORIZON, customers=fitted.scores.index)
    table = calibration_table(y, fitted.scores, bins=5)
    assert len(table) == 5
    assert table["count"].sum() == len(y)
    # monotone-ish: observed rates rise with the predicted ones, and stay near them
    assert table["observed_rate"].is_monotonic_increasing or (
        pd.Series(np.arange(len(table))).corr(table["observed_rate"], method="spearman") >= 0.9
    )
    assert (table["observed_rate"] - table["mean_predicted"]).abs().max() < 0.15
    assert table["observed_rate"].iloc[-1] > 2 * table["observed_rate"].iloc[0]


def test_fitted_propensity_scores_every_customer(shop: Shop, purchase: FittedPropensity) -> None:
    assert purchase.as_of == default_as_of(shop)
    assert purchase.train_as_of == purchase.as_of - pd.Timedelta(days=3 * HORIZON)
    single = fit_propensity(shop, target="purchase", horizon_days=HORIZON, windows=1)
    assert single.train_as_of == single.as_of - pd.Timedelta(days=HORIZON)
    assert single.n_train < purchase.n_train
    assert purchase.scores.name == "p_purchase"
    assert purchase.scores.index.is_unique
    assert len(purchase.scores) > 500
    assert purchase.scores.between(0, 1).all()
    again = purchase.score(shop, customers=purchase.scores.index[:10])
    np.testing.assert_allclose(again.to_numpy(), purchase.scores.iloc[:10].to_numpy())
    importances = purchase.model.feature_importances_
    assert importances.sum() == pytest.approx(1.0)
    assert importances.index[0] in purchase.model.feature_names_


def test_model_aligns_columns(shop: Shop, purchase: FittedPropensity) -> None:
    features = customer_features(shop, purchase.as_of).head(50)
    expected = purchase.model.predict_proba(features)
    shuffled = features[features.columns[::-1]].drop(columns=["region=PL"])
    features_without = features.assign(**{"region=PL": 0.0})
    np.testing.assert_allclose(
        purchase.model.predict_proba(shuffled), purchase.model.predict_proba(features_without)
    )
    assert expected.shape == (50, 2)
    np.testing.assert_allclose(expected.sum(axis=1), 1.0)
    assert purchase.model.predict(features).dtype == bool


# -- bad input ---------------------------------------------------------------------------------


def test_empty_shop_is_insufficient() -> None:
    with pytest.raises(InsufficientDataError, match="no orders"):
        fit_propensity(Shop.from_frames({}), target="purchase")


def _one_order_each(n: int = 40) -> Shop:
    customers = [f"c{i}" for i in range(n)]
    return Shop.from_frames(
        {
            "products": pd.DataFrame({"product_id": ["p1"], "title": ["p"]}),
            "customers": pd.DataFrame({"customer_id": customers, "created_at": "2023-12-01"}),
            "orders": pd.DataFrame(
                {
                    "order_id": [f"o{i}" for i in range(n)],
                    "customer_id": customers,
                    "ordered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), "D"),
                }
            ),
            "order_lines": pd.DataFrame(
                {
                    "order_id": [f"o{i}" for i in range(n)],
                    "product_id": "p1",
                    "quantity": 1.0,
                    "unit_price": 10.0,
                }
            ),
        }
    )


def test_one_label_class_is_insufficient() -> None:
    shop = _one_order_each()
    # nobody orders in [2024-05-04, 2024-06-01): every training label is negative
    with pytest.raises(InsufficientDataError, match="all negative"):
        fit_propensity(shop, target="purchase", as_of="2024-06-01")
    with pytest.raises(InsufficientDataError, match="all positive"):
        fit_propensity(shop, target="churn", as_of="2024-06-01")


def test_too_little_history_or_too_few_of_a_class() -> None:
    shop = _one_order_each()
    # the training window starts before the first order
    with pytest.raises(InsufficientDataError, match="no orders before"):
        fit_propensity(shop, target="purchase", horizon_days=60)
    # everyone has an account from the start: a 12-day window holds 12 buyers (enough), a
    # 5-day window 5 (too few)
    fit_propensity(shop, target="purchase", horizon_days=12, windows=1)
    with pytest.raises(InsufficientDataError, match="at least 10"):
        fit_propensity(shop, target="purchase", horizon_days=5, windows=1)


def test_bad_arguments(shop: Shop) -> None:
    with pytest.raises(ValueError, match="target"):
        fit_propensity(shop, target="loyalty")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="horizon_days"):
        fit_propensity(shop, target="purchase", horizon_days=0)
    features = pd.DataFrame({"a": np.arange(40.0), "b": ["x"] * 40})
    with pytest.raises(DataError, match="'b'"):
        PropensityModel().fit(features, np.arange(40) % 2 == 0)
    with pytest.raises(ValueError, match="not fitted"):
        PropensityModel().predict_proba(features[["a"]])
    with pytest.raises(ValueError, match="calibration"):
        PropensityModel(calibration="beta").fit(features[["a"]], np.arange(40) % 2 == 0)  # type: ignore[arg-type]


# -- metrics by hand ---------------------------------------------------------------------------


def test_lift_by_hand() -> None:
    y = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]  # base rate 0.2
    p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    assert lift_at(y, p, 0.1) == pytest.approx(1.0 / 0.2)
    assert lift_at(y, p, 0.2) == pytest.approx(0.5 / 0.2)
    assert lift_at(y, p, 0.3) == pytest.approx((2 / 3) / 0.2)
    assert lift_at(y, p, 1.0) == pytest.approx(1.0)
    assert lift_at(y, [0.5] * 10, 0.1) == pytest.approx(1.0)  # all tied: the base rate
    # the top place is shared by a tie of a positive and a negative: half a hit
    assert lift_at([1, 0, 0, 0], [0.9, 0.9, 0.1, 0.1], 0.25) == pytest.approx(0.5 / 0.25)
    with pytest.raises(ValueError, match="positive"):
        lift_at([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="fraction"):
        lift_at(y, p, 0.0)


def test_calibration_table_by_hand() -> None:
    y = [0, 0, 1, 1]
    p = [0.1, 0.2, 0.7, 0.9]
    table = calibration_table(y, p, bins=2)
    assert table["count"].tolist() == [2, 2]
    np.testing.assert_allclose(table["mean_predicted"], [0.15, 0.8])
    np.testing.assert_allclose(table["observed_rate"], [0.0, 1.0])
    np.testing.assert_allclose(table["lower"], [0.1, 0.7])
    uniform = calibration_table(y, p, bins=10, strategy="uniform")
    assert uniform["count"].tolist() == [1, 1, 1, 1]
    np.testing.assert_allclose(uniform["mean_predicted"], p)
    tied = calibration_table([0, 1, 1], [0.5, 0.5, 0.5], bins=3)  # ties stay in one bin
    assert tied["count"].tolist() == [3]
    assert tied["observed_rate"].iloc[0] == pytest.approx(2 / 3)


def test_auc_by_hand() -> None:
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="both classes"):
        auc([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="values"):
        auc([1, 0], [0.2])


def test_plot_calibration_writes_a_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = rng.random(500) < p
    out = plot_calibration(
        {"model": (y, p), "flat": (y, np.full(500, y.mean()))}, tmp_path / "c.png"
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="empty"):
        plot_calibration({}, tmp_path / "none.png")
