"""The recommender contract, batch first, on dense indices.

A model is fitted on a customer x product interaction matrix and scores items for *history
rows*: the interactions of the customers asking. Passing history in (rather than only a
customer index) is what lets a brand-new visitor's session, or events seen a second ago, count
without retraining. Shop ids live at the engine's edge; inside, everything is an index.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Self

import numpy as np
import scipy.sparse as sp

__all__ = ["Recommender", "top_k", "without_rows"]

_BATCH_CELLS = 4_000_000
"""Scores held in memory at once while recommending (rows x items)."""


class Recommender(ABC):
    """Subclasses store hyper-parameters in __init__ and fitted state in attributes ending in _."""

    n_items_: int

    @abstractmethod
    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        """Learn from a customers x products matrix of interaction strengths. Content-based
        models also take `item_features` (one row per product); the others ignore it."""

    @abstractmethod
    def score(self, history: sp.csr_matrix) -> np.ndarray:
        """Scores (rows x items, higher is better) for customers with these history rows."""

    def forget(self, rows: np.ndarray) -> None:
        """Drop whatever the fitted model keeps about these training rows (customers being
        erased), without refitting. Models that keep only item-level state (similarities,
        item factors, popularity) have nothing to drop: aggregates may stay."""
        return None

    def recommend(
        self,
        history: sp.csr_matrix,
        k: int = 10,
        *,
        exclude_seen: bool = True,
        exclude: sp.csr_matrix | None = None,
        allowed: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k item indices and scores per history row.

        `exclude` names, per row, items never to show (default: the history itself, when
        `exclude_seen`); `allowed` is a boolean mask over items (or one per row) of what may
        be shown.
        Where fewer than k items are allowed, the rest of the row is -1 with score -inf.
        Rows are scored in batches so memory stays bounded on large catalogues.
        """
        n_rows = history.shape[0]
        batch = max(1, _BATCH_CELLS // max(self.n_items_, 1))
        if allowed is not None and allowed.ndim == 1:
            allowed = allowed[None, :]
        items, scores = [], []
        for start in range(0, n_rows, batch):
            rows = history[start : start + batch]
            block = np.asarray(self.score(rows), dtype=np.float64)
            never = exclude[start : start + batch] if exclude is not None else rows
            if exclude is not None or exclude_seen:
                seen_rows, seen_cols = never.nonzero()
                block[seen_rows, seen_cols] = -np.inf
            if allowed is not None:
                mask = allowed if allowed.shape[0] == 1 else allowed[start : start + batch]
                block = np.where(mask, block, -np.inf)
            best_items, best_scores = top_k(block, k)
            items.append(best_items)
            scores.append(best_scores)
        if not items:
            return np.empty((0, k), dtype=np.int64), np.empty((0, k))
        return np.vstack(items), np.vstack(scores)

    def similar_items(self, items: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Items most like each of `items`: by default, what the model recommends to someone
        whose whole history is that one item."""
        n = len(items)
        history = sp.csr_matrix(
            (np.ones(n), (np.arange(n), np.asarray(items))), shape=(n, self.n_items_)
        )
        return self.recommend(history, k, exclude_seen=True)


def without_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """`matrix` with these rows emptied (their entries removed, not just set to zero)."""
    out = sp.csr_matrix(matrix, copy=True)
    emptied = np.zeros(out.shape[0], dtype=bool)
    emptied[np.asarray(rows, dtype=np.int64)] = True
    out.data[np.repeat(emptied, np.diff(out.indptr))] = 0
    out.eliminate_zeros()
    return out


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best columns per row, best first; -1 and -inf where a row runs out."""
    n_rows, n_items = scores.shape
    k_eff = min(k, n_items)
    if k_eff == 0:
        return np.full((n_rows, k), -1), np.full((n_rows, k), -np.inf)
    part = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    items = np.take_along_axis(part, order, axis=1)
    best = np.take_along_axis(part_scores, order, axis=1)
    items = np.where(np.isfinite(best), items, -1)
    if k_eff < k:
        items = np.pad(items, ((0, 0), (0, k - k_eff)), constant_values=-1)
        best = np.pad(best, ((0, 0), (0, k - k_eff)), constant_values=-np.inf)
    return items, best
