"""Blending: one ranking from several recommenders (say CF, repeat purchase and content).

Component scores live on unrelated scales (cosines, counts, latent dot products), so each row
of each component is normalised (min-max to [0, 1], or to rank percentiles) before weighting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Self

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata

from shopmind.recommend.base import Recommender

__all__ = ["Blend", "Normalisation", "normalise_rows"]

Normalisation = Literal["minmax", "rank"]


def normalise_rows(scores: np.ndarray, how: Normalisation = "minmax") -> np.ndarray:
    """Each row mapped to [0, 1] by min-max or by rank (ties share their mean rank), order kept.
    A constant row becomes all 0 (min-max) or all 0.5 (rank): it then orders nothing."""
    scores = np.asarray(scores, dtype=np.float64)
    normalised: np.ndarray
    if how == "minmax":
        low = scores.min(axis=1, keepdims=True)
        span = scores.max(axis=1, keepdims=True) - low
        normalised = (scores - low) / np.where(span > 0, span, np.inf)
        return normalised
    if how == "rank":
        ranks = np.asarray(rankdata(scores, axis=1), dtype=np.float64)
        normalised = (ranks - 1.0) / max(scores.shape[1] - 1, 1)
        return normalised
    raise ValueError(f"unknown normalisation {how!r}: use 'minmax' or 'rank'")


class Blend(Recommender):
    """Weighted sum of the components' per-row normalised scores.

    `fit` fits every component on the same data (`item_features` passed through) unless
    `prefit`, when they are used as already fitted. Components are fitted in place. Weights
    are non-negative and need not sum to one; zero-weight components are not scored.
    """

    def __init__(
        self,
        components: Sequence[Recommender],
        weights: Sequence[float] | None = None,
        *,
        normalisation: Normalisation = "minmax",
        prefit: bool = False,
    ) -> None:
        self.components = components
        self.weights = weights
        self.normalisation = normalisation
        self.prefit = prefit

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        if not self.components:
            raise ValueError("Blend needs at least one component")
        weights = np.ones(len(self.components)) if self.weights is None else self.weights
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (len(self.components),):
            raise ValueError(f"need one weight per component ({len(self.components)})")
        if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
            raise ValueError("weights must be finite, non-negative and not all zero")
        if not self.prefit:
            for component in self.components:
                component.fit(interactions, item_features=item_features)
        widths = {getattr(c, "n_items_", None) for c in self.components}
        if widths != {interactions.shape[1]}:
            raise ValueError(
                f"every component must be fitted on {interactions.shape[1]} items, got {widths}"
            )
        self.n_items_ = interactions.shape[1]
        self.weights_ = weights
        return self

    def forget(self, rows: np.ndarray) -> None:
        for component in self.components:
            component.forget(rows)

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        total = np.zeros((history.shape[0], self.n_items_))
        for component, weight in zip(self.components, self.weights_, strict=True):
            if weight > 0:
                total += weight * normalise_rows(component.score(history), self.normalisation)
        return total
