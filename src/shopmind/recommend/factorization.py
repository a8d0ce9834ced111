"""Matrix factorisation for implicit feedback, fitted by `implicit` on the CPU.

ALS (Hu, Koren & Volinsky 2008) and BPR (Rendle et al. 2009). Both score *history rows*, so a
visitor who was not in the training data is scored without a refit:

- ALS solves the visitor's factors from the history exactly, with implicit's `recalculate_user`
  (a least-squares solve against the fixed item factors).
- BPR learns no closed form for that, so it folds in: the visitor's vector is the
  interaction-weighted mean of the history's item factors, plus BPR's item bias. On the
  MovieLens validation split this ranks better than the stored training-user factors do.

implicit runs its own thread pool; BLAS is held to one thread while it does, as implicit
advises, so the two pools never compete for the same cores.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from threadpoolctl import threadpool_limits

from shopmind.recommend.base import Recommender

__all__ = ["ALS", "BPR"]


def _single_threaded_blas() -> threadpool_limits:
    return threadpool_limits(limits=1, user_api="blas")


def _as_float32(matrix: sp.csr_matrix) -> sp.csr_matrix:
    return sp.csr_matrix(matrix, dtype=np.float32)


def _confidence(matrix: sp.csr_matrix, alpha: float) -> sp.csr_matrix:
    """Hu et al.'s confidence 1 + alpha * strength on every stored interaction."""
    out = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    out.eliminate_zeros()
    out.data = 1.0 + alpha * out.data
    return out


class ALS(Recommender):
    """Implicit-feedback ALS: preference 1 with confidence 1 + `alpha` * strength where a
    customer interacted, preference 0 with confidence 1 elsewhere (Hu et al.), so a weak signal
    such as a view still counts more than nothing.

    `num_threads` = 0 uses every core for implicit's pool (BLAS stays single-threaded).
    Defaults are the settings chosen on the MovieLens validation split.
    """

    def __init__(
        self,
        *,
        factors: int = 64,
        regularization: float = 40.0,
        alpha: float = 5.0,
        iterations: int = 20,
        random_state: int | None = None,
        num_threads: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.num_threads = num_threads

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        with _single_threaded_blas():
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=1.0,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
            )
            model.fit(_confidence(interactions, self.alpha), show_progress=False)
        self.model_: Any = model
        self.n_items_ = interactions.shape[1]
        return self

    @property
    def item_factors_(self) -> np.ndarray:
        return np.asarray(self.model_.item_factors)

    @property
    def user_factors_(self) -> np.ndarray:
        """Factors of the training rows, as fitted (scoring recomputes them from history)."""
        return np.asarray(self.model_.user_factors)

    def forget(self, rows: np.ndarray) -> None:
        # Scoring solves factors from the history, so the stored training rows can go.
        self.model_.user_factors[np.asarray(rows, dtype=np.int64)] = 0.0

    def user_factors(self, history: sp.csr_matrix) -> np.ndarray:
        """Factors that best explain each history row given the item factors."""
        rows = history.shape[0]
        if rows == 0:
            return np.empty((0, self.factors), dtype=np.float32)
        with _single_threaded_blas():
            confidence = _confidence(history, self.alpha)
            factors = self.model_.recalculate_user(np.arange(rows), confidence)
        return np.asarray(factors).reshape(rows, -1)

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self.user_factors(history) @ self.item_factors_.T)


class BPR(Recommender):
    """Bayesian personalised ranking (SGD on sampled pairs); interaction strengths are read
    as binary when fitting and as weights when folding a history in."""

    def __init__(
        self,
        *,
        factors: int = 64,
        learning_rate: float = 0.01,
        regularization: float = 0.01,
        iterations: int = 100,
        random_state: int | None = None,
        num_threads: int = 0,
    ) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.random_state = random_state
        self.num_threads = num_threads

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        with _single_threaded_blas():
            model = BayesianPersonalizedRanking(
                factors=self.factors,
                learning_rate=self.learning_rate,
                regularization=self.regularization,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
            )
            model.fit(_as_float32(interactions), show_progress=False)
        # implicit appends the item bias as a last factor (1 in every user vector).
        factors = np.asarray(model.item_factors, dtype=np.float32)
        self.item_factors_ = np.ascontiguousarray(factors[:, :-1])
        self.item_bias_ = np.ascontiguousarray(factors[:, -1])
        self.n_items_ = interactions.shape[1]
        return self

    def user_factors(self, history: sp.csr_matrix) -> np.ndarray:
        """The interaction-weighted mean of each history's item factors (zero if empty)."""
        weights = sp.csr_matrix(history, dtype=np.float32)
        totals = np.asarray(weights.sum(axis=1), dtype=np.float32)
        totals[totals == 0] = 1.0
        return np.asarray(weights @ self.item_factors_) / totals

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self.user_factors(history) @ self.item_factors_.T + self.item_bias_)
