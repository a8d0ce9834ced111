"""ContentRecommender passes the conformance suite on planted features; embeddings are real."""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import Recommender
from shopmind.recommend.content import (
    EMBEDDING_DIM,
    ContentRecommender,
    embed_products,
    product_texts,
)
from tests.recommend.conformance import ITEMS_PER_CLUSTER, RecommenderConformance


def planted_features(n_items: int, *, dim: int = 16, noise: float = 0.4) -> np.ndarray:
    """Random unit vectors, each near a random direction shared by its planted cluster (items
    i // ITEMS_PER_CLUSTER, as in the conformance matrix): content that agrees with taste."""
    rng = np.random.default_rng(7)
    clusters = np.arange(n_items) // ITEMS_PER_CLUSTER
    centres = rng.normal(size=(clusters.max() + 1, dim))
    raw = centres[clusters] + noise * rng.normal(size=(n_items, dim))
    unit: np.ndarray = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    return unit


class PlantedContent(ContentRecommender):
    """The suite calls fit(data) with no features, which ContentRecommender rightly refuses; this
    subclass supplies planted ones then. A module-level class, so the model still pickles."""

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        if item_features is None:
            item_features = planted_features(interactions.shape[1])
        return super().fit(interactions, item_features=item_features)


class TestContent(RecommenderConformance):
    def make_model(self) -> Recommender:
        return PlantedContent()


def _row(n_items: int, weights: dict[int, float]) -> sp.csr_matrix:
    cols = np.fromiter(weights, dtype=np.int64)
    values = np.fromiter(weights.values(), dtype=np.float64)
    return sp.csr_matrix((values, (np.zeros(len(cols), dtype=np.int64), cols)), shape=(1, n_items))


def test_fit_without_features_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="item_features"):
        ContentRecommender().fit(sp.csr_matrix((3, 4)))
    with pytest.raises(ValueError, match="one row per item"):
        ContentRecommender().fit(sp.csr_matrix((3, 4)), item_features=np.ones((5, 2)))


def test_cold_item_like_the_history_ranks_first() -> None:
    # Items 0-1 (bought by the customer) and 2 (never bought by anyone) point along x;
    # 3-5 are best-sellers elsewhere in feature space.
    features = np.array(
        [[1, 0.1, 0], [1, 0, 0.1], [1, 0.05, 0.05], [0, 1, 0], [0, 0, 1], [0.2, 1, 1]], float
    )
    bought = np.zeros((20, 6))
    bought[:, 3:] = 1
    bought[0, 3:] = 0
    bought[0, :2] = 1
    interactions = sp.csr_matrix(bought)
    assert interactions[:, 2].nnz == 0
    model = ContentRecommender().fit(interactions, item_features=features)
    items, _ = model.recommend(interactions[[0]], k=1)
    assert items[0, 0] == 2


def test_heavier_history_pulls_the_profile() -> None:
    features = np.array([[1, 0, 0], [0, 1, 0], [0.9, 0, 0.4], [0, 0.9, 0.4]], float)
    model = ContentRecommender(strength="linear").fit(sp.csr_matrix((1, 4)), item_features=features)
    leans_to_0 = model.recommend(_row(4, {0: 5.0, 1: 1.0}), k=2)[0][0]
    leans_to_1 = model.recommend(_row(4, {0: 1.0, 1: 5.0}), k=2)[0][0]
    assert list(leans_to_0) == [2, 3]
    assert list(leans_to_1) == [3, 2]


def test_similar_items_by_feature_cosine() -> None:
    features = planted_features(48)
    model = ContentRecommender().fit(sp.csr_matrix((1, 48)), item_features=features)
    items, scores = model.similar_items(np.array([0, 30]), k=3)
    cosine = features @ features.T
    np.fill_diagonal(cosine, -np.inf)
    expected = np.argsort(-cosine[[0, 30]], axis=1)[:, :3]
    np.testing.assert_array_equal(items, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(cosine[[0, 30]], expected, 1), atol=1e-6)


def test_empty_history_scores_zero() -> None:
    model = PlantedContent().fit(sp.csr_matrix((1, 24)))
    assert not model.score(sp.csr_matrix((2, 24))).any()


def test_product_texts_skip_blanks() -> None:
    products = pd.DataFrame(
        {
            "title": ["Oat milk", None, ""],
            "category": ["Dairy", "Tools", None],
            "brand": [None, "Acme", None],
        }
    )
    texts = list(product_texts(products))
    assert texts == ["Oat milk. Category: Dairy", "Category: Tools. Brand: Acme", ""]


@pytest.fixture(scope="module")
def grocery() -> tuple[pd.DataFrame, np.ndarray]:
    products = pd.DataFrame(
        {
            "title": [
                "Organic whole milk 1 gallon",
                "Whole milk, organic, one gallon jug",
                "Cordless drill 18V with two batteries",
                "Dark roast coffee beans 1 lb",
                "Espresso roast whole bean coffee",
                "Claw hammer, steel, 16 oz",
                "",
            ],
            "category": ["Dairy", "Dairy", "Tools", "Coffee", "Coffee", "Tools", None],
            "description": [None, "Fresh organic milk.", None, None, None, None, None],
        }
    )
    return products, embed_products(products, batch_size=4)


def test_real_embeddings_are_unit_and_group_near_duplicates(
    grocery: tuple[pd.DataFrame, np.ndarray],
) -> None:
    products, embeddings = grocery
    assert embeddings.shape == (len(products), EMBEDDING_DIM)
    np.testing.assert_allclose(np.linalg.norm(embeddings[:-1], axis=1), 1.0, atol=1e-5)
    assert not embeddings[-1].any()  # no text, no direction
    cosine = embeddings @ embeddings.T
    assert cosine[0, 1] > 0.8
    assert cosine[0, 1] > cosine[0, 2] + 0.4
    assert cosine[3, 4] > max(cosine[3, 0], cosine[3, 2], cosine[3, 5])


def test_real_embeddings_recommend_a_cold_product(grocery: tuple[pd.DataFrame, np.ndarray]) -> None:
    _, embeddings = grocery
    model = ContentRecommender().fit(sp.csr_matrix((1, len(embeddings))), item_features=embeddings)
    items, _ = model.recommend(_row(len(embeddings), {3: 1.0}), k=1)
    assert items[0, 0] == 4
