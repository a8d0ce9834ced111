"""Repeat purchase: what this customer buys again (groceries, consumables, refills).

What the model expects: `fit` learns per-item statistics from purchase *counts* (customers x
products); an item counts as re-bought by a customer whose value exceeds `repeat_threshold`
(1.0, one purchase). `score` ranks each history row's own items by their values, which may be
counts or, for recency, time-decayed counts where each purchase weighs 2^(-age / half-life)
(`time_decayed` builds them). Fitting on decayed values works too, but old repeats then fall
below the threshold and pass for one-offs; browsing events mixed into the fitted matrix would
pass for purchases (fit on purchases, or raise the threshold).

Use it with ``exclude_seen=False``: its whole point is to put seen items back in front. Behind
them comes a small popularity prior, so every row (an empty history too) has an order.
"""

from __future__ import annotations

from typing import Literal, Self

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Recommender

__all__ = ["RepeatPurchase", "Strength", "dampen", "time_decayed"]

Strength = Literal["linear", "log", "binary"]
"""How interaction values turn into weights: as they are, log(1 + value), or 1 if present."""


def dampen(matrix: sp.csr_matrix, how: Strength = "log") -> sp.csr_matrix:
    """A float copy of `matrix` with its stored values turned into weights (see `Strength`)."""
    out = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    if how == "log":
        out.data = np.log1p(np.maximum(out.data, 0.0))
    elif how == "binary":
        out.data = (out.data > 0).astype(np.float64)
    elif how != "linear":
        raise ValueError(f"unknown strength {how!r}: use 'linear', 'log' or 'binary'")
    return out


def time_decayed(
    rows: np.ndarray,
    cols: np.ndarray,
    age_days: np.ndarray,
    *,
    half_life_days: float,
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """Customers x products sums of 2^(-age / half-life), one term per purchase (row, col, age).
    An infinite half-life gives plain counts."""
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    ages = np.maximum(np.asarray(age_days, dtype=np.float64), 0.0)
    weights = np.power(0.5, ages / half_life_days)
    matrix = sp.csr_matrix((weights, (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    return matrix


class RepeatPurchase(Recommender):
    """Scores a customer's own items by dampened (decayed) count x the item's repurchase
    propensity, plus `popularity_weight` x popularity (share of the top item's buyers).

    The propensity is the share of an item's buyers who bought it again, shrunk towards the
    shop-wide rate by `smoothing` pseudo-buyers and divided by that rate (1 = a typical item):
    habitual items (milk) beat one-offs (a kettle).
    """

    def __init__(
        self,
        *,
        strength: Strength = "log",
        propensity: bool = True,
        smoothing: float = 10.0,
        repeat_threshold: float = 1.0,
        popularity_weight: float = 0.01,
    ) -> None:
        self.strength = strength
        self.propensity = propensity
        self.smoothing = smoothing
        self.repeat_threshold = repeat_threshold
        self.popularity_weight = popularity_weight

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        if self.smoothing < 0:
            raise ValueError("smoothing must be non-negative")
        counts = sp.csr_matrix(interactions, dtype=np.float64)
        buyers = np.asarray((counts > 0).sum(axis=0), dtype=np.float64).ravel()
        repeaters = np.asarray((counts > self.repeat_threshold).sum(axis=0), dtype=np.float64)
        repeaters = repeaters.ravel()
        self.n_items_ = counts.shape[1]
        self.repeat_rate_ = float(repeaters.sum() / buyers.sum()) if buyers.sum() else 0.0
        self.propensity_ = np.ones(self.n_items_)
        if self.propensity and self.repeat_rate_ > 0:
            shrunk = repeaters + self.smoothing * self.repeat_rate_
            pseudo = buyers + self.smoothing
            rate = np.divide(
                shrunk, pseudo, out=np.full(self.n_items_, self.repeat_rate_), where=pseudo > 0
            )
            self.propensity_ = rate / self.repeat_rate_
        self.popularity_ = buyers / buyers.max() if buyers.size and buyers.max() > 0 else buyers
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        own = dampen(history, self.strength) @ sp.diags(self.propensity_)
        prior = self.popularity_weight * self.popularity_
        return np.asarray(own.toarray()) + prior[None, :]
