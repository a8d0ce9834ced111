"""EASE passes the conformance suite; its weights are the closed form, in either space."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import Recommender
from shopmind.recommend.ease import EASE, _inverse_spd
from tests.recommend.conformance import RecommenderConformance, planted_matrix


class TestEASE(RecommenderConformance):
    def make_model(self) -> Recommender:
        return EASE(lambda_=10.0)


class TestEASEDual(RecommenderConformance):
    def make_model(self) -> Recommender:
        return EASE(lambda_=10.0, solver="dual")


class TestEDLAE(RecommenderConformance):
    def make_model(self) -> Recommender:
        return EASE(lambda_=10.0, dropout=0.3)


class TestEDLAEDual(RecommenderConformance):
    def make_model(self) -> Recommender:
        return EASE(lambda_=10.0, dropout=0.3, solver="dual")


@pytest.fixture
def tiny() -> sp.csr_matrix:
    return sp.csr_matrix(
        np.array([[1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 1, 1], [1, 1, 1, 0]], float)
    )


def test_weights_are_the_closed_form_with_zero_diagonal(tiny: sp.csr_matrix) -> None:
    lambda_ = 2.0
    model = EASE(lambda_=lambda_, solver="primal").fit(tiny)
    dense = tiny.toarray()
    # B minimises ||X - XB||² + λ||B||² subject to diag(B) = 0: solve each column's
    # regression on the other items directly.
    expected = np.zeros((4, 4))
    for j in range(4):
        others = [i for i in range(4) if i != j]
        x = dense[:, others]
        expected[others, j] = np.linalg.solve(x.T @ x + lambda_ * np.eye(3), x.T @ dense[:, j])
    assert model.weights_ is not None
    np.testing.assert_array_equal(np.diag(model.weights_), 0.0)
    np.testing.assert_allclose(model.weights_, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.score(tiny), dense @ expected, rtol=1e-5, atol=1e-6)


def test_dual_scores_equal_primal_scores() -> None:
    matrix = planted_matrix(seed=3)[0]
    history = matrix[::7]
    primal = EASE(lambda_=5.0, solver="primal").fit(matrix)
    dual = EASE(lambda_=5.0, solver="dual").fit(matrix)
    assert dual.weights_ is None
    np.testing.assert_allclose(dual.score(history), primal.score(history), rtol=1e-3, atol=1e-4)


def test_auto_solves_in_the_smaller_space(tiny: sp.csr_matrix) -> None:
    assert EASE().fit(tiny).weights_ is not None
    assert EASE().fit(sp.csr_matrix(tiny.T)).weights_ is None


def test_lambda_must_be_positive(tiny: sp.csr_matrix) -> None:
    with pytest.raises(ValueError, match="lambda_"):
        EASE(lambda_=0.0).fit(tiny)


def test_inverse_is_exact_across_blocks() -> None:
    rng = np.random.default_rng(0)
    factors = rng.random((600, 620))
    gram = factors @ factors.T + np.eye(600)
    expected = np.linalg.inv(gram)
    inverse = _inverse_spd(gram.copy())
    assert inverse.flags.c_contiguous
    np.testing.assert_allclose(inverse, expected, rtol=1e-8, atol=1e-10)


def test_dropout_is_edlae_closed_form_per_item_strength(tiny: sp.csr_matrix) -> None:
    lambda_, dropout = 2.0, 0.4
    model = EASE(lambda_=lambda_, dropout=dropout, solver="primal").fit(tiny)
    dense = tiny.toarray()
    # EDLAE: each column's regression on the other items, where item i's coefficient is
    # penalised by λ + p/(1-p)·(XᵀX)_ii, so popular items are shrunk harder.
    strength = lambda_ + dropout / (1.0 - dropout) * (dense**2).sum(axis=0)
    expected = np.zeros((4, 4))
    for j in range(4):
        others = [i for i in range(4) if i != j]
        x = dense[:, others]
        penalty = np.diag(strength[others])
        expected[others, j] = np.linalg.solve(x.T @ x + penalty, x.T @ dense[:, j])
    assert model.weights_ is not None
    np.testing.assert_array_equal(np.diag(model.weights_), 0.0)
    np.testing.assert_allclose(model.weights_, expected, rtol=1e-5, atol=1e-6)
    plain = EASE(lambda_=lambda_, solver="primal").fit(tiny)
    assert plain.weights_ is not None
    assert not np.allclose(model.weights_, plain.weights_)


def test_dropout_dual_scores_equal_primal_scores() -> None:
    matrix = planted_matrix(seed=3)[0]
    history = matrix[::7]
    primal = EASE(lambda_=5.0, dropout=0.5, solver="primal").fit(matrix)
    dual = EASE(lambda_=5.0, dropout=0.5, solver="dual").fit(matrix)
    assert dual.weights_ is None
    np.testing.assert_allclose(dual.score(history), primal.score(history), rtol=1e-3, atol=1e-4)


def test_zero_dropout_is_plain_ease(tiny: sp.csr_matrix) -> None:
    plain = EASE(lambda_=3.0).fit(tiny)
    zero = EASE(lambda_=3.0, dropout=0.0).fit(tiny)
    assert zero.item_scale_ is None
    np.testing.assert_array_equal(zero.score(tiny), plain.score(tiny))


@pytest.mark.parametrize("dropout", [-0.1, 1.0])
def test_dropout_must_be_in_unit_interval(tiny: sp.csr_matrix, dropout: float) -> None:
    with pytest.raises(ValueError, match="dropout"):
        EASE(dropout=dropout).fit(tiny)
