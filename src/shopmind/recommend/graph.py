"""RP3beta (Paudel et al. 2017): a three-step random walk customer → item → customer → item
on the interaction graph, with each destination item's probability divided by its
popularity to the power beta.

W[i, j] = Σ_u P(i → u)^alpha · P(u → j)^alpha / pop(j)^beta: the walk's transition
probabilities raised to alpha. The diagonal is zeroed, and each item keeps its `top_k` strongest
neighbours if asked. A history row h scores (h normalised to a distribution)^alpha · W.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Recommender

__all__ = ["RP3beta"]

_BLOCK_ITEMS = 2048
"""Items whose neighbour rows are computed (and pruned) at once, to bound memory."""


def _transition(matrix: sp.csr_matrix, alpha: float) -> sp.csr_matrix:
    """Rows scaled to sum to one (empty rows stay empty), then raised to alpha."""
    out = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    out.data = np.abs(out.data)
    totals = np.asarray(out.sum(axis=1)).ravel()
    out.data /= np.repeat(np.where(totals > 0, totals, 1.0), np.diff(out.indptr))
    out.data **= alpha
    return out


def _keep_top_k(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """The k largest entries of every row (ties broken by column)."""
    counts = np.diff(matrix.indptr)
    if counts.max(initial=0) <= k:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    order = np.lexsort((-matrix.data, rows))
    rank = np.arange(matrix.nnz) - matrix.indptr[rows]
    keep = order[rank < k]
    return sp.csr_matrix(
        (matrix.data[keep], (rows[keep], matrix.indices[keep])), shape=matrix.shape
    )


class RP3beta(Recommender):
    """Item-item random walk with popularity penalty beta (0: plain P3alpha); the defaults are
    the settings chosen on the MovieLens validation split."""

    def __init__(self, *, alpha: float = 0.5, beta: float = 0.6, top_k: int | None = None) -> None:
        self.alpha = alpha
        self.beta = beta
        self.top_k = top_k

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        if self.top_k is not None and self.top_k < 1:
            raise ValueError("top_k must be at least 1 (or None to keep every neighbour)")
        to_item = _transition(interactions, self.alpha)
        reached = sp.csr_matrix(interactions.T, dtype=np.float64, copy=True)
        reached.eliminate_zeros()
        reached.data = np.ones_like(reached.data)
        popularity = np.asarray(reached.sum(axis=1)).ravel()
        penalty = np.where(popularity > 0, np.maximum(popularity, 1.0) ** -self.beta, 0.0)
        to_user = _transition(reached, self.alpha)
        blocks = []
        for start in range(0, to_user.shape[0], _BLOCK_ITEMS):
            block = sp.csr_matrix(to_user[start : start + _BLOCK_ITEMS] @ to_item)
            block = sp.csr_matrix(block @ sp.diags(penalty))
            rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
            block.data[block.indices == rows + start] = 0.0
            block.eliminate_zeros()
            blocks.append(block if self.top_k is None else _keep_top_k(block, self.top_k))
        self.weights_ = sp.csr_matrix(sp.vstack(blocks, format="csr"), dtype=np.float32)
        self.n_items_ = interactions.shape[1]
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        walk = sp.csr_matrix(_transition(history, self.alpha), dtype=np.float32)
        return np.asarray((walk @ self.weights_).toarray())
