"""A recommender served from item factors trained elsewhere (Spark MLlib's implicit ALS).

It scores history rows the way MLlib's implicit ALS solves a user: with the item factors Y
fixed, confidence c = alpha * |strength| on each interaction and regularisation scaled by the
number of interactions (MLlib's convention),

    (Y^T Y + sum_i c_i y_i y_i^T + reg * n I) x = sum_i (1 + c_i) y_i,

so a visitor's live session is folded in without retraining, as `recommend.ALS` does with
implicit. This module imports no pyspark: the API loads the artifact without Spark.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Recommender

__all__ = ["FactorRecommender"]


class FactorRecommender(Recommender):
    """Fixed item factors (items x rank) with MLlib's implicit-ALS fold-in for users."""

    def __init__(
        self, item_factors: np.ndarray, *, regularization: float = 0.1, alpha: float = 5.0
    ) -> None:
        self.item_factors = item_factors
        self.regularization = regularization
        self.alpha = alpha

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        """Checks the factors fit the matrix: the training itself happened on Spark."""
        factors = np.asarray(self.item_factors, dtype=np.float64)
        if factors.ndim != 2 or factors.shape[0] != interactions.shape[1]:
            raise ValueError(
                f"item factors of shape {factors.shape} do not fit {interactions.shape[1]} items"
            )
        self.item_factors_ = factors
        self.gram_ = factors.T @ factors
        self.n_items_ = interactions.shape[1]
        return self

    def user_factors(self, history: sp.csr_matrix) -> np.ndarray:
        history = sp.csr_matrix(history)
        y = self.item_factors_
        rank = y.shape[1]
        out = np.zeros((history.shape[0], rank))
        for row in range(history.shape[0]):
            start, end = history.indptr[row], history.indptr[row + 1]
            items = history.indices[start:end]
            values = history.data[start:end]
            keep = values != 0
            items, values = items[keep], values[keep]
            if len(items) == 0:
                continue
            c = self.alpha * np.abs(values)
            ys = y[items]
            a = self.gram_ + (ys.T * c) @ ys
            a[np.diag_indices(rank)] += self.regularization * float((values > 0).sum())
            b = ((1.0 + c) * (values > 0)) @ ys
            out[row] = np.linalg.solve(a, b)
        return out

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self.user_factors(history) @ self.item_factors_.T)
