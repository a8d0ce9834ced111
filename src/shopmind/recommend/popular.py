"""Popularity, optionally time-decayed (trending): the fallback and the baseline to beat."""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Recommender

__all__ = ["Popular"]


class Popular(Recommender):
    """Scores every item by how many customers interacted with it (the same list for all)."""

    def __init__(self, *, binary: bool = True) -> None:
        self.binary = binary

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        counts = interactions.copy()
        if self.binary:
            counts.data = np.ones_like(counts.data)
        self.n_items_ = interactions.shape[1]
        self.popularity_ = np.asarray(counts.sum(axis=0)).ravel().astype(np.float64)
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.tile(self.popularity_, (history.shape[0], 1))
