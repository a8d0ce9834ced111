"""Headline figures and gains over the baseline of stored offline evaluations."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from shopmind import lift
from shopmind.artifacts import Artifacts, Loaded
from shopmind.data.store import Store
from shopmind.marketing.campaign import Offer
from shopmind.quality import gain, headline

RECOMMEND = {
    "split": "temporal",
    "k": 10,
    "test_customers": 40,
    "models": {
        "served": {"ndcg@10": 0.3, "hitrate@10": 0.5},
        "popular": {"ndcg@10": 0.2, "hitrate@10": 0.4},
    },
}
FORECAST = {
    "freq": "D",
    "h": 14,
    "windows": 2,
    "series": 9,
    "models": {"shopmind": {"mase": 0.8, "wape": 0.3}, "seasonal-naive": {"mase": 1.0}},
}


def test_recommend_headline_and_gain() -> None:
    assert headline("recommend", RECOMMEND) == {"ndcg@10": 0.3, "ndcg@10 (best-sellers)": 0.2}
    measured = gain("recommend", RECOMMEND)
    assert measured is not None and measured.metric == "ndcg@10"
    assert measured.percent == pytest.approx(50.0)


def test_recommend_without_the_served_model_or_baseline() -> None:
    only_popular = {"k": 5, "models": {"popular": {"ndcg@5": 0.1}}}
    assert headline("recommend", only_popular) == {}
    assert gain("recommend", only_popular) is None
    no_baseline = {"k": 5, "models": {"served": {"hitrate@5": 0.4}}}
    assert headline("recommend", no_baseline) == {"hitrate@5": 0.4}
    assert gain("recommend", no_baseline) is None


def test_forecast_headline_and_error_reduction() -> None:
    assert headline("forecast", FORECAST) == {"mase": 0.8, "mase (seasonal naive)": 1.0}
    measured = gain("forecast", FORECAST)
    assert measured is not None and measured.percent == pytest.approx(20.0)


def test_flat_and_nested_engines() -> None:
    marketing = {
        "horizon_days": 30,
        "purchase": {"auc": 0.71, "brier": 0.1},
        "churn": {"error": "too few"},
        "uplift": {"examples": 90, "randomized": True, "s-learner": {"qini_auc": 0.05}},
    }
    assert headline("marketing", marketing) == {"purchase auc": 0.71, "uplift qini_auc": 0.05}
    assert headline("marketing", {"purchase": {"error": "x"}, "uplift": {"error": "y"}}) == {}
    inventory = {
        "products": 3,
        "models": {
            "shopmind": {"fill_rate": 0.97, "total_cost": 120.0},
            "textbook": {"fill_rate": float("nan"), "total_cost": 150.0},
        },
    }
    assert headline("inventory", inventory) == {
        "fill_rate": 0.97,
        "total_cost": 120.0,
        "total_cost (textbook)": 150.0,
    }
    assert headline("pricing", {"identified": 4, "price_changes": 2, "median_elasticity": -1}) == {
        "identified": 4.0,
        "price_changes": 2.0,
    }
    assert headline("assistant", {"intent_accuracy": 0.9, "examples": 120}) == {
        "intent_accuracy": 0.9,
        "examples": 120.0,
    }
    assert gain("pricing", {"identified": 4}) is None


def test_recommend_lift_row_from_a_stored_evaluation(tmp_path: Path) -> None:
    artifacts = Artifacts(tmp_path)
    loaded = Loaded(version="v2", manifest={}, models={"recommend": object()})
    store = cast(Store, None)  # the recommend row never reads the store
    offer = Offer(0.1, 0.1, 0.3, 0.6)
    row = lift.estimate("recommend", loaded, store, offer, artifacts)
    assert row.estimate is None and "shopmind evaluate recommend" in row.basis
    artifacts.save_evaluation("recommend", "v2", RECOMMEND)
    row = lift.estimate("recommend", loaded, store, offer, artifacts)
    assert row.trained and row.estimate == pytest.approx(50.0)
    assert row.low is None and row.high is None
    assert row.unit == "% better ranking than best-sellers"
    assert "temporal split" in row.basis and "40 test customers" in row.basis
    assert "being served" in row.basis and "not the one" not in row.basis
    assert "no interval" in row.basis
    artifacts.save_evaluation("recommend", "v1", RECOMMEND)
    row = lift.estimate("recommend", loaded, store, offer, artifacts)
    assert "version v1, not the one being served" in row.basis


def test_a_recorded_interval_is_the_gain_and_its_uncertainty(tmp_path: Path) -> None:
    recorded = {"metric": "ndcg@10", "percent": 48.7, "low": 20.04, "high": 80.0, "level": 0.9}
    results = RECOMMEND | {"gain": recorded | {"resampled": "test customers"}}
    measured = gain("recommend", results)
    assert measured is not None
    assert (measured.percent, measured.low, measured.high) == (48.7, 20.0, 80.0)
    # an interval for another metric than the headline one is not borrowed
    other = RECOMMEND | {"gain": recorded | {"metric": "hitrate@10"}}
    assert gain("recommend", other) == gain("recommend", RECOMMEND)
    artifacts = Artifacts(tmp_path)
    artifacts.save_evaluation("recommend", "v2", results)
    loaded = Loaded(version="v2", manifest={}, models={"recommend": object()})
    row = lift.estimate(
        "recommend", loaded, cast(Store, None), Offer(0.1, 0.1, 0.3, 0.6), artifacts
    )
    assert (row.estimate, row.low, row.high) == (48.7, 20.0, 80.0)
    assert "90% interval from resampling the test customers" in row.basis
