"""ALS and BPR pass the conformance suite; scoring from history agrees with training."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Recommender
from shopmind.recommend.factorization import ALS, BPR
from tests.recommend.conformance import RecommenderConformance, planted_matrix


class TestALS(RecommenderConformance):
    def make_model(self) -> Recommender:
        return ALS(
            factors=8, regularization=1.0, alpha=4.0, iterations=10, random_state=0, num_threads=1
        )


class TestBPR(RecommenderConformance):
    def make_model(self) -> Recommender:
        return BPR(factors=8, learning_rate=0.05, iterations=60, random_state=0, num_threads=1)


def test_als_history_factors_match_training_factors() -> None:
    matrix = planted_matrix(seed=2)[0]
    model = ALS(
        factors=8, regularization=1.0, alpha=4.0, iterations=30, random_state=0, num_threads=1
    )
    model.fit(matrix)
    rows = np.arange(0, matrix.shape[0], 5)
    refitted = model.score(matrix[rows])
    stored = model.user_factors_[rows] @ model.item_factors_.T
    # The stored factors come from conjugate-gradient steps, the history ones from an exact
    # solve of the same least-squares problem: equal up to the solver's convergence.
    np.testing.assert_allclose(refitted, stored, atol=0.02 * np.abs(stored).max())
    for got, want in zip(refitted, stored, strict=True):
        assert np.corrcoef(got, want)[0, 1] > 0.999


def test_als_scores_a_new_visitor_without_refit() -> None:
    matrix, _, items = planted_matrix(seed=2)
    model = ALS(factors=8, regularization=1.0, alpha=4.0, random_state=0, num_threads=1)
    model.fit(matrix)
    cluster_items = np.flatnonzero(items == 2)[:3]
    visitor = sp.csr_matrix((np.ones(3), (np.zeros(3, int), cluster_items)), shape=(1, len(items)))
    top, _ = model.recommend(visitor, k=5)
    assert (items[top[0]] == 2).all()


def test_bpr_folds_in_the_weighted_mean_of_item_factors() -> None:
    matrix = planted_matrix(seed=2)[0]
    model = BPR(factors=8, iterations=5, random_state=0, num_threads=1).fit(matrix)
    history = sp.csr_matrix(np.eye(1, matrix.shape[1], 3) * 2 + np.eye(1, matrix.shape[1], 7))
    expected_user = (2 * model.item_factors_[3] + model.item_factors_[7]) / 3
    expected = model.item_factors_ @ expected_user + model.item_bias_
    np.testing.assert_allclose(model.score(history)[0], expected, rtol=1e-5, atol=1e-6)
    empty = model.score(sp.csr_matrix((1, matrix.shape[1])))
    np.testing.assert_allclose(empty[0], model.item_bias_)


def test_als_user_factors_solve_the_weighted_least_squares() -> None:
    # Hu et al.: minimise Σ_i c_i (p_i - x·y_i)² + reg |x|², with p = 1, c = 1 + alpha * r on
    # the history and p = 0, c = 1 elsewhere; a weak signal (0.1) still pulls towards 1.
    matrix = planted_matrix(seed=2)[0]
    model = ALS(factors=6, regularization=2.0, alpha=3.0, iterations=5, random_state=0)
    model.fit(matrix)
    y = model.item_factors_.astype(np.float64)
    strengths = np.zeros(matrix.shape[1])
    strengths[[1, 4, 9]] = [1.0, 0.1, 2.0]
    confidence = np.where(strengths > 0, 1.0 + 3.0 * strengths, 1.0)
    preference = (strengths > 0).astype(float)
    a = y.T @ (confidence[:, None] * y) + 2.0 * np.eye(6)
    expected = np.linalg.solve(a, y.T @ (confidence * preference))
    got = model.user_factors(sp.csr_matrix(strengths[None, :]))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)
