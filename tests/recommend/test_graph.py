"""RP3beta passes the conformance suite and matches a walk worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import Recommender
from shopmind.recommend.graph import RP3beta
from tests.recommend.conformance import RecommenderConformance


class TestRP3beta(RecommenderConformance):
    def make_model(self) -> Recommender:
        return RP3beta(alpha=1.0, beta=0.5)


class TestRP3betaPruned(RecommenderConformance):
    def make_model(self) -> Recommender:
        return RP3beta(alpha=0.8, beta=0.3, top_k=8)


# Customers a, b, c; items 0, 1, 2.  a: {0, 1}, b: {1, 2}, c: {1}.
TINY = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 0.0]]))


def test_weights_match_the_walk_by_hand() -> None:
    # alpha = 1, beta = 1. Customer -> item: a 1/2 each, b 1/2 each, c 1 to item 1.
    # Item -> customer: 0 -> a; 1 -> a, b, c at 1/3; 2 -> b. Popularity: 1, 3, 1.
    # W[0, 1] = P(0->a) P(a->1) / 3 = 1/2 / 3 = 1/6;  W[0, 2] = 0 (a never took item 2).
    # W[1, 0] = 1/3 * 1/2 / 1 = 1/6;  W[1, 2] = 1/3 * 1/2 / 1 = 1/6.
    # W[2, 1] = P(2->b) P(b->1) / 3 = 1/6;  W[2, 0] = 0.
    expected = np.array([[0, 1 / 6, 0], [1 / 6, 0, 1 / 6], [0, 1 / 6, 0]])
    model = RP3beta(alpha=1.0, beta=1.0).fit(TINY)
    np.testing.assert_allclose(model.weights_.toarray(), expected, rtol=1e-6)


def test_alpha_and_beta_shape_the_weights() -> None:
    # alpha = 0.5, beta = 0: W[1, 0] = (1/3)^0.5 (1/2)^0.5, W[0, 1] = 1 * (1/2)^0.5.
    model = RP3beta(alpha=0.5, beta=0.0).fit(TINY)
    weights = model.weights_.toarray()
    np.testing.assert_allclose(weights[1, 0], np.sqrt(1 / 6), rtol=1e-6)
    np.testing.assert_allclose(weights[0, 1], np.sqrt(1 / 2), rtol=1e-6)
    # A visitor who took item 0 is walked to item 1 only.
    scores = model.score(sp.csr_matrix(np.array([[2.0, 0.0, 0.0]])))
    np.testing.assert_allclose(scores, [[0.0, np.sqrt(1 / 2), 0.0]], rtol=1e-6)


def test_top_k_keeps_the_strongest_neighbours() -> None:
    rng = np.random.default_rng(0)
    matrix = sp.csr_matrix((rng.random((40, 15)) < 0.3).astype(float))
    full = RP3beta(beta=0.3).fit(matrix).weights_.toarray()
    pruned = RP3beta(beta=0.3, top_k=3).fit(matrix).weights_.toarray()
    assert ((pruned > 0).sum(axis=1) <= 3).all()
    for row in range(full.shape[0]):
        kept = np.flatnonzero(pruned[row])
        np.testing.assert_allclose(pruned[row, kept], full[row, kept])
        assert np.sort(full[row])[-len(kept)] <= pruned[row, kept].min() + 1e-7


def test_top_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="top_k"):
        RP3beta(top_k=0).fit(TINY)


def test_stored_zeros_are_not_interactions() -> None:
    coo = TINY.tocoo()
    # An explicit zero: c never took item 0.
    with_zero = sp.csr_matrix(
        (np.append(coo.data, 0.0), (np.append(coo.row, 2), np.append(coo.col, 0))), shape=(3, 3)
    )
    assert with_zero.nnz == TINY.nnz + 1
    np.testing.assert_allclose(
        RP3beta(beta=1.0).fit(with_zero).weights_.toarray(),
        RP3beta(beta=1.0).fit(TINY).weights_.toarray(),
    )
