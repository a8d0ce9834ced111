"""Ranking metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import top_k
from shopmind.recommend.metrics import coverage, ranking_metrics


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
