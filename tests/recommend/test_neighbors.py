"""Item- and user-kNN: the conformance suite, hand-computed similarities and scores, and
implicit's weighting and item-item similarities as the reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from implicit.nearest_neighbours import (
    BM25Recommender,
    CosineRecommender,
    bm25_weight,
    tfidf_weight,
)

from shopmind.data import datasets
from shopmind.recommend.base import Recommender
from shopmind.recommend.metrics import ranking_metrics
from shopmind.recommend.neighbors import ItemKNN, UserKNN, weigh
from shopmind.recommend.popular import Popular
from tests.recommend.conformance import RecommenderConformance

# -- the conformance suite, on several settings ------------------------------------------------


class TestItemKNN(RecommenderConformance):
    def make_model(self) -> Recommender:
        return ItemKNN(20)


class TestItemKNNBM25Normalized(RecommenderConformance):
    def make_model(self) -> Recommender:
        return ItemKNN(20, weighting="bm25", similarity="dot", normalize=True)


class TestItemKNNTfidfShrunk(RecommenderConformance):
    def make_model(self) -> Recommender:
        return ItemKNN(10, weighting="tfidf", shrinkage=5.0)


class TestUserKNN(RecommenderConformance):
    def make_model(self) -> Recommender:
        return UserKNN(20)


class TestUserKNNBM25Shrunk(RecommenderConformance):
    def make_model(self) -> Recommender:
        return UserKNN(15, weighting="bm25", shrinkage=2.0)


# -- a matrix small enough to do by hand -------------------------------------------------------

# Items as columns: i0 = (1, 1, 0, 1), i1 = (1, 0, 1, 1), i2 = (0, 0, 1, 1).
TINY = sp.csr_matrix(
    np.array(
        [
            [1.0, 1.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 1.0],
            [1.0, 1.0, 1.0],
        ]
    )
)
R6 = math.sqrt(6.0)
# cos(i0, i1) = 2 / (sqrt 3 sqrt 3), cos(i0, i2) = 1 / (sqrt 3 sqrt 2), cos(i1, i2) = 2 / sqrt 6.
COSINE = np.array(
    [
        [0.0, 2 / 3, 1 / R6],
        [2 / 3, 0.0, 2 / R6],
        [1 / R6, 2 / R6, 0.0],
    ]
)


def test_item_similarity_is_the_hand_computed_cosine() -> None:
    model = ItemKNN(k=5).fit(TINY)
    np.testing.assert_allclose(model.similarity_.toarray(), COSINE)


def test_item_similarity_keeps_the_k_nearest_and_shrinks() -> None:
    nearest = ItemKNN(k=1).fit(TINY).similarity_.toarray()
    # i0's nearest is i1 (2/3 > 1/sqrt 6); i1's and i2's are each other (2/sqrt 6).
    np.testing.assert_allclose(nearest, [[0, 2 / 3, 0], [0, 0, 2 / R6], [0, 2 / R6, 0]])
    shrunk = ItemKNN(k=5, shrinkage=1.0).fit(TINY).similarity_.toarray()
    # dot / (|a| |b| + 1): |i0| |i1| = 3, |i0| |i2| = |i1| |i2| = sqrt 6.
    np.testing.assert_allclose(
        shrunk,
        [[0, 2 / 4, 1 / (R6 + 1)], [2 / 4, 0, 2 / (R6 + 1)], [1 / (R6 + 1), 2 / (R6 + 1), 0]],
    )


def test_normalized_rows_sum_to_one() -> None:
    similarity = ItemKNN(k=5, normalize=True).fit(TINY).similarity_.toarray()
    np.testing.assert_allclose(similarity.sum(axis=1), 1.0)
    np.testing.assert_allclose(similarity[0], np.array([0, 2 / 3, 1 / R6]) / (2 / 3 + 1 / R6))


def test_only_positive_similarities_are_kept() -> None:
    # A dislike as -1: cos(i0, i2) = -1 / (sqrt 2 sqrt 2) = -1/2; the other pairs are 1/2.
    matrix = sp.csr_matrix(np.array([[1.0, 0.0, -1.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
    similarity = ItemKNN(k=5).fit(matrix).similarity_.toarray()
    np.testing.assert_allclose(similarity, [[0, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0]])


def test_item_scores_of_a_new_history_are_history_times_similarity() -> None:
    history = sp.csr_matrix(np.array([[2.0, 0.0, 1.0]]))  # nobody in training looks like this
    model = ItemKNN(k=5).fit(TINY)
    # 2 x row i0 + 1 x row i2 of COSINE.
    expected = [1 / R6, 2 * 2 / 3 + 2 / R6, 2 * 1 / R6]
    np.testing.assert_allclose(model.score(history), [expected])


def test_user_scores_of_a_new_history_follow_the_formula() -> None:
    history = sp.csr_matrix(np.array([[1.0, 0.0, 1.0]]))  # not a row of TINY
    model = UserKNN(k=2).fit(TINY)
    # cosine to the users: u0 1/2, u1 1/sqrt 2, u2 1/2, u3 2/sqrt 6; the top two are u3 and u1,
    # so scores = 2/sqrt 6 x (1, 1, 1) + 1/sqrt 2 x (1, 0, 0).
    neighbours = model.neighbors(history).toarray()
    np.testing.assert_allclose(neighbours, [[0, 1 / math.sqrt(2), 0, 2 / R6]])
    expected = [2 / R6 + 1 / math.sqrt(2), 2 / R6, 2 / R6]
    np.testing.assert_allclose(model.score(history), [expected])


def test_user_scores_do_not_depend_on_the_rest_of_the_batch() -> None:
    """A history row is weighed with the training statistics, not the batch's."""
    matrix = _random_counts(seed=3)
    model = UserKNN(10, weighting="bm25").fit(matrix)
    alone = model.score(matrix[7])
    in_batch = model.score(sp.csr_matrix(sp.vstack([matrix[:5], matrix[7], matrix[20:]])))
    np.testing.assert_allclose(alone[0], in_batch[5])


def test_similar_items_are_the_nearest_neighbours() -> None:
    items, _ = ItemKNN(k=1).fit(TINY).similar_items(np.array([0, 1]), k=1)
    assert items.ravel().tolist() == [1, 2]


@pytest.mark.parametrize(
    "model",
    [ItemKNN(0), ItemKNN(weighting="idf"), UserKNN(similarity="jaccard"), UserKNN(shrinkage=-1)],  # type: ignore[arg-type]
)
def test_bad_settings_are_refused(model: Recommender) -> None:
    with pytest.raises(ValueError):
        model.fit(TINY)


# -- implicit as the reference ------------------------------------------------------------------


def _random_counts(seed: int = 0, shape: tuple[int, int] = (60, 25)) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.poisson(0.6, shape).astype(np.float64) * rng.random(shape)
    return sp.csr_matrix(dense)


def test_weighting_matches_implicit() -> None:
    matrix = _random_counts()
    np.testing.assert_allclose(weigh(matrix, "tfidf").toarray(), tfidf_weight(matrix).toarray())
    np.testing.assert_allclose(
        weigh(matrix, "bm25", k1=1.5, b=0.6).toarray(), bm25_weight(matrix, 1.5, 0.6).toarray()
    )
    np.testing.assert_array_equal(weigh(matrix, "none").toarray(), matrix.toarray())


@pytest.mark.filterwarnings("ignore:Method expects CSR input")
@pytest.mark.parametrize(
    ("ours", "reference"),
    [
        (ItemKNN(100), CosineRecommender(K=101)),
        (ItemKNN(100, weighting="bm25", similarity="dot"), BM25Recommender(K=101, K1=1.2, B=0.75)),
    ],
)
def test_item_similarity_matches_implicit(ours: ItemKNN, reference: CosineRecommender) -> None:
    """With every neighbour kept (implicit also keeps the item itself), the similarities are
    implicit's off the diagonal."""
    matrix = _random_counts(seed=1)
    reference.fit(matrix, show_progress=False)
    expected = reference.similarity.toarray()
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(ours.fit(matrix).similarity_.toarray(), expected, atol=1e-12)


# -- MovieLens ---------------------------------------------------------------------------------


@pytest.mark.datasets
def test_movielens_fold_beats_popularity() -> None:
    try:
        train, test = datasets.movielens_100k_fold(1)
    except datasets.DatasetMissing as missing:
        pytest.skip(f"MovieLens 100K is not available: {missing}")
    users = pd.Index(sorted(set(train["user_id"]) | set(test["user_id"])))
    items = pd.Index(sorted(set(train["item_id"]) | set(test["item_id"])))

    def matrix(frame: pd.DataFrame) -> sp.csr_matrix:
        rows, cols = users.get_indexer(frame["user_id"]), items.get_indexer(frame["item_id"])
        return sp.csr_matrix((np.ones(len(frame)), (rows, cols)), shape=(len(users), len(items)))

    seen, relevant = matrix(train), matrix(test)
    popular = ranking_metrics(Popular().fit(seen).recommend(seen)[0], relevant, 10)["ndcg@10"]
    for model in (ItemKNN(100, weighting="bm25", similarity="dot"), UserKNN(50)):
        ndcg = ranking_metrics(model.fit(seen).recommend(seen)[0], relevant, 10)["ndcg@10"]
        assert ndcg > popular + 0.05, type(model).__name__
