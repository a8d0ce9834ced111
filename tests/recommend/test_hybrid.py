"""Blend: conformance, weights that switch a component off, scale-free normalisation."""

from __future__ import annotations

from typing import Self

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import rankdata

from shopmind.recommend.base import Recommender
from shopmind.recommend.content import ContentRecommender
from shopmind.recommend.hybrid import Blend, Normalisation, normalise_rows
from shopmind.recommend.popular import Popular
from shopmind.recommend.repeat import RepeatPurchase
from tests.recommend.conformance import RecommenderConformance, planted_matrix
from tests.recommend.test_content import PlantedContent, planted_features

NORMALISATIONS: tuple[Normalisation, ...] = ("minmax", "rank")


class TestBlendMinMax(RecommenderConformance):
    def make_model(self) -> Recommender:
        return Blend([PlantedContent(), Popular()], [0.8, 0.2])


class TestBlendRank(RecommenderConformance):
    def make_model(self) -> Recommender:
        return Blend([PlantedContent(), RepeatPurchase()], [0.8, 0.2], normalisation="rank")


class Scaled(Recommender):
    """Another model's scores times `factor` plus `offset`: the same ranking on a new scale."""

    def __init__(self, inner: Recommender, factor: float, offset: float) -> None:
        self.inner = inner
        self.factor = factor
        self.offset = offset

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        self.inner.fit(interactions, item_features=item_features)
        self.n_items_ = self.inner.n_items_
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return self.factor * self.inner.score(history) + self.offset


@pytest.fixture
def data() -> sp.csr_matrix:
    return planted_matrix()[0]


@pytest.mark.parametrize("normalisation", NORMALISATIONS)
def test_weights_one_and_zero_reproduce_a_component(
    data: sp.csr_matrix, normalisation: Normalisation
) -> None:
    content, repeat = PlantedContent().fit(data), RepeatPurchase().fit(data)
    for weights, alone in (([1.0, 0.0], content), ([0.0, 1.0], repeat)):
        blend = Blend([content, repeat], weights, normalisation=normalisation, prefit=True)
        blend.fit(data)
        np.testing.assert_array_equal(
            rankdata(blend.score(data), axis=1), rankdata(alone.score(data), axis=1)
        )
        np.testing.assert_array_equal(
            blend.recommend(data, k=8, exclude_seen=False)[0],
            alone.recommend(data, k=8, exclude_seen=False)[0],
        )


@pytest.mark.parametrize("normalisation", NORMALISATIONS)
def test_component_scale_is_irrelevant(data: sp.csr_matrix, normalisation: Normalisation) -> None:
    plain = Blend([PlantedContent(), RepeatPurchase()], [0.5, 0.5], normalisation=normalisation)
    rescaled = Blend(
        [Scaled(PlantedContent(), 1000.0, -7.0), Scaled(RepeatPurchase(), 0.001, 3.0)],
        [0.5, 0.5],
        normalisation=normalisation,
    )
    # Content scores are float32, hence the absolute tolerance.
    np.testing.assert_allclose(
        rescaled.fit(data).score(data), plain.fit(data).score(data), rtol=0, atol=1e-6
    )


def test_blend_mixes_its_components(data: sp.csr_matrix) -> None:
    content, repeat = PlantedContent().fit(data), RepeatPurchase().fit(data)
    blend = Blend([content, repeat], [0.5, 0.5], prefit=True).fit(data)
    expected = 0.5 * normalise_rows(content.score(data)) + 0.5 * normalise_rows(repeat.score(data))
    np.testing.assert_allclose(blend.score(data), expected)


def test_fit_fits_components_with_item_features(data: sp.csr_matrix) -> None:
    content = ContentRecommender()
    Blend([content, Popular()]).fit(data, item_features=planted_features(data.shape[1]))
    assert content.n_items_ == data.shape[1]
    with pytest.raises(ValueError, match="item_features"):
        Blend([ContentRecommender()]).fit(data)


def test_prefit_keeps_fitted_components(data: sp.csr_matrix) -> None:
    popular = Popular().fit(data)
    before = popular.popularity_.copy()
    Blend([popular], prefit=True).fit(data[:5])
    np.testing.assert_array_equal(popular.popularity_, before)
    with pytest.raises(ValueError, match="fitted on"):
        Blend([Popular()], prefit=True).fit(data)


@pytest.mark.parametrize("weights", [[1.0], [1.0, -1.0], [0.0, 0.0], [1.0, float("nan")]], ids=str)
def test_bad_weights(data: sp.csr_matrix, weights: list[float]) -> None:
    with pytest.raises(ValueError, match="weight"):
        Blend([Popular(), Popular()], weights).fit(data)


def test_normalise_rows() -> None:
    scores = np.array([[2.0, 4.0, 3.0], [5.0, 5.0, 5.0]])
    np.testing.assert_allclose(normalise_rows(scores, "minmax"), [[0, 1, 0.5], [0.0, 0, 0]])
    np.testing.assert_allclose(normalise_rows(scores, "rank"), [[0, 1, 0.5], [0.5, 0.5, 0.5]])
    with pytest.raises(ValueError, match="normalisation"):
        normalise_rows(scores, "softmax")  # type: ignore[arg-type]
