"""The dashboard's marketing endpoints: the lifetime-value histogram and the uplift curves."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.marketing.engine import MarketingEngine
from shopmind.marketing.uplift_metrics import qini_auc_score
from tests.api.trained import trained_shop


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, MarketingEngine]:
    settings, _, fitted = trained_shop(
        tmp_path_factory.mktemp("shop"),
        ["marketing"],
        seed=7,
        n_customers=300,
        n_products=80,
        days=200,
    )
    engine = fitted["marketing"]
    assert isinstance(engine, MarketingEngine)
    return settings, engine


@pytest.fixture(scope="module")
def client(trained: tuple[Settings, MarketingEngine]) -> Iterator[TestClient]:
    with TestClient(create_app(trained[0])) as test_client:
        yield test_client


def test_clv_histogram_counts_every_customer(
    client: TestClient, trained: tuple[Settings, MarketingEngine]
) -> None:
    clv = trained[1].scores_["clv"]
    body = client.get("/marketing/clv-distribution", params={"bins": 12}).json()
    assert body["model_version"]
    assert len(body["counts"]) == 12 and len(body["edges"]) == 13
    assert body["customers"] == len(clv)
    assert body["missing"] == int(clv.isna().sum())
    assert sum(body["counts"]) + body["missing"] == body["customers"]
    assert body["edges"] == sorted(body["edges"])
    assert body["edges"][0] == pytest.approx(clv.min(), abs=0.01)
    assert body["mean"] == pytest.approx(clv.mean())
    assert body["max"] == pytest.approx(clv.max())
    for bins in (0, 101, "many"):
        response = client.get("/marketing/clv-distribution", params={"bins": bins})
        assert response.status_code == 422


def test_uplift_curves_are_out_of_bag_qini(
    client: TestClient, trained: tuple[Settings, MarketingEngine]
) -> None:
    holdout = trained[1].uplift_holdout_
    assert holdout is not None
    body = client.get("/marketing/uplift-curves", params={"points": 21}).json()
    assert body["examples"] == len(holdout.treatment) > 100
    assert body["treated"] == int(holdout.treatment.sum())
    assert len(body["x"]) == len(body["qini"]) == len(body["perfect_qini"]) == 21
    assert body["x"][0] == 0 and body["x"][-1] == 1
    assert body["qini"][0] == 0 and body["qini"][-1] == pytest.approx(body["random_end"])
    assert np.all(np.array(body["perfect_qini"]) >= np.array(body["qini"]) - 1e-3)
    expected = qini_auc_score(holdout.converted, holdout.uplift, holdout.treatment)
    assert body["qini_coefficient"] == pytest.approx(expected, abs=1e-4)
    assert client.get("/marketing/uplift-curves", params={"points": 1}).status_code == 422


def test_uplift_curves_need_bootstrap_scores(trained: tuple[Settings, MarketingEngine]) -> None:
    engine = trained[1]
    saved = engine.uplift_holdout_
    try:
        engine.uplift_holdout_ = None
        with pytest.raises(Exception, match="retrain"):
            engine.uplift_curves()
    finally:
        engine.uplift_holdout_ = saved
