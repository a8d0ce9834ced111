"""Ranking metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import top_k
from shopmind.recommend.metrics import coverage, novelty, ranking_metrics, rating_errors


def relevant(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    data = [(u, i) for u, items in enumerate(rows) for i in items]
    r, c = zip(*data, strict=True) if data else ((), ())
    return sp.csr_matrix((np.ones(len(data)), (r, c)), shape=(len(rows), n_items))


def test_hand_computed_values() -> None:
    # user 0: relevant {1, 3}; recommended [1, 2, 3] -> hits at ranks 1 and 3
    # user 1: relevant {0};    recommended [2, 4, -1] -> no hit
    # user 2: no relevant items -> skipped
    recommended = np.array([[1, 2, 3], [2, 4, -1], [0, 1, 2]])
    truth = relevant([[1, 3], [0], []], 5)
    m = ranking_metrics(recommended, truth, 3)
    assert m["precision@3"] == pytest.approx((2 / 3 + 0) / 2)
    assert m["recall@3"] == pytest.approx((1.0 + 0) / 2)
    dcg = 1 + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3)
    assert m["ndcg@3"] == pytest.approx((dcg / idcg + 0) / 2)
    assert m["map@3"] == pytest.approx(((1 / 1 + 2 / 3) / 2 + 0) / 2)
    assert m["hitrate@3"] == pytest.approx(0.5)


def test_perfect_ranking_scores_one() -> None:
    recommended = np.array([[4, 2, 0]])
    m = ranking_metrics(recommended, relevant([[0, 2, 4]], 5), 3)
    assert all(v == pytest.approx(1.0) for v in m.values())


def test_no_relevant_items_is_an_error() -> None:
    with pytest.raises(ValueError, match="no user has a relevant item"):
        ranking_metrics(np.array([[0]]), relevant([[]], 2), 1)


def test_coverage() -> None:
    assert coverage(np.array([[0, 1], [1, -1]]), 4) == 0.5


def test_top_k_orders_and_pads() -> None:
    scores = np.array([[0.1, 0.9, 0.5], [-np.inf, 2.0, -np.inf]])
    items, best = top_k(scores, 2)
    assert items.tolist() == [[1, 2], [1, -1]]
    assert best[0].tolist() == [0.9, 0.5]
    items, _ = top_k(scores, 5)
    assert items.shape == (2, 5)
    assert items[0].tolist() == [1, 2, 0, -1, -1]


def test_novelty_is_self_information() -> None:
    # 4 customers: item 0 known to all, item 1 to one of them.
    train = sp.csr_matrix(np.array([[1, 1], [1, 0], [1, 0], [1, 0]], dtype=float))
    assert novelty(np.array([[0]]), train) == pytest.approx(0.0)
    assert novelty(np.array([[1]]), train) == pytest.approx(2.0)
    assert novelty(np.array([[0, 1], [1, -1]]), train) == pytest.approx((0 + 2 + 2) / 3)


def test_rating_errors() -> None:
    errors = rating_errors(np.array([3.0, 4.0, 5.0]), np.array([4.0, 4.0, 3.0]))
    assert errors["rmse"] == pytest.approx(math.sqrt((1 + 0 + 4) / 3))
    assert errors["mae"] == pytest.approx(1.0)


def recommenders_reference(
    recommended: np.ndarray, truth: sp.csr_matrix, k: int
) -> dict[str, float]:
    """Microsoft Recommenders' python_evaluation (precision, recall, map_at_k), transcribed to
    pandas as they compute it: merge the top-k with the truth, count hits per user."""
    import pandas as pd

    pred = pd.DataFrame(
        [
            (u, int(i), r + 1)
            for u in range(recommended.shape[0])
            for r, i in enumerate(recommended[u, :k])
            if i >= 0
        ],
        columns=["user", "item", "rank"],
    )
    rows, cols = truth.nonzero()
    true = pd.DataFrame({"user": rows, "item": cols})
    common = sorted(set(true.user) & set(pred.user))
    pred, true = pred[pred.user.isin(common)], true[true.user.isin(common)]
    hit = pred.merge(true, on=["user", "item"]).sort_values(["user", "rank"])
    count = true.groupby("user").size().rename("actual").to_frame()
    count["hit"] = hit.groupby("user").size().reindex(count.index).fillna(0)
    hit["rr"] = (hit.groupby("user").cumcount() + 1) / hit["rank"]
    rr = hit.groupby("user").rr.sum().reindex(count.index).fillna(0)
    n = len(common)
    return {
        f"precision@{k}": float((count.hit / k).sum() / n),
        f"recall@{k}": float((count.hit / count.actual).sum() / n),
        f"map@{k}": float((rr / count.actual.clip(upper=k)).sum() / n),
    }


def test_cross_check_against_reference_implementations() -> None:
    from sklearn.metrics import ndcg_score

    rng = np.random.default_rng(7)
    n_users, n_items, k = 60, 40, 10
    dense = (rng.random((n_users, n_items)) < 0.15).astype(float)
    dense[0] = 0  # a user with nothing relevant is skipped by both
    truth = sp.csr_matrix(dense)
    scores = rng.random((n_users, n_items))
    recommended, _ = top_k(scores, k)
    ours = ranking_metrics(recommended, truth, k)
    reference = recommenders_reference(recommended, truth, k)
    for name, value in reference.items():
        assert ours[name] == pytest.approx(value), name
    users = np.diff(truth.indptr) > 0
    expected_ndcg = ndcg_score(truth.toarray()[users], scores[users], k=k)
    assert ours[f"ndcg@{k}"] == pytest.approx(expected_ndcg)
