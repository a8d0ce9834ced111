"""Ranking metrics at k, vectorised over users.

Definitions follow Microsoft Recommenders' python_evaluation (the benchmarks' protocol):
precision@k = hits / k; recall@k = hits / |relevant|; ndcg@k with binary gains and the ideal
ranking of min(|relevant|, k) hits; map@k = sum of precision at each hit rank / min(|relevant|, k);
hit rate@k = share of users with at least one hit. Users without relevant items are skipped.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "coverage",
    "hits_matrix",
    "novelty",
    "per_user_metrics",
    "ranking_metrics",
    "rating_errors",
]


def hits_matrix(recommended: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Boolean (users x k): whether the item at each rank is relevant; -1 is never a hit."""
    rows = np.repeat(np.arange(recommended.shape[0]), recommended.shape[1])
    cols = recommended.ravel()
    valid = cols >= 0
    hits = np.zeros(rows.shape, dtype=bool)
    hits[valid] = np.asarray(relevant[rows[valid], cols[valid]]).ravel() > 0
    return hits.reshape(recommended.shape)


def per_user_metrics(
    recommended: np.ndarray, relevant: sp.csr_matrix, k: int
) -> dict[str, np.ndarray]:
    """Precision, recall, ndcg, map and hit rate at k of each user with relevant items, in
    the order of the rows (users without relevant items are left out)."""
    recommended = recommended[:, :k]
    n_relevant = np.diff(relevant.indptr)
    users = n_relevant > 0
    if not users.any():
        raise ValueError("no user has a relevant item: nothing to evaluate")
    hits = hits_matrix(recommended[users], relevant[users])
    n_rel = n_relevant[users].astype(np.float64)
    n_hits = hits.sum(axis=1)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discounts).sum(axis=1)
    ideal = np.cumsum(discounts)[np.minimum(n_rel, k).astype(int) - 1]
    precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    average_precision = (precision_at_rank * hits).sum(axis=1) / np.minimum(n_rel, k)
    return {
        f"precision@{k}": n_hits / k,
        f"recall@{k}": n_hits / n_rel,
        f"ndcg@{k}": dcg / ideal,
        f"map@{k}": average_precision,
        f"hitrate@{k}": (n_hits > 0).astype(np.float64),
    }


def ranking_metrics(recommended: np.ndarray, relevant: sp.csr_matrix, k: int) -> dict[str, float]:
    """Mean precision, recall, ndcg, map and hit rate at k over users with relevant items."""
    return {
        name: float(np.mean(values))
        for name, values in per_user_metrics(recommended, relevant, k).items()
    }


def coverage(recommended: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in anyone's recommendations."""
    shown = np.unique(recommended[recommended >= 0])
    return float(len(shown) / n_items) if n_items else 0.0


def novelty(recommended: np.ndarray, train: sp.csr_matrix) -> float:
    """Mean self-information -log2(share of customers who know the item) of what is shown:
    higher means less obvious recommendations."""
    users = max(train.shape[0], 1)
    known = np.asarray((train > 0).sum(axis=0)).ravel()
    share = np.clip(known / users, 1.0 / users, 1.0)
    shown = recommended[recommended >= 0]
    return float(np.mean(-np.log2(share[shown]))) if len(shown) else 0.0


def rating_errors(predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """RMSE and MAE of rating predictions."""
    error = np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    return {"rmse": float(np.sqrt(np.mean(error**2))), "mae": float(np.mean(np.abs(error)))}
