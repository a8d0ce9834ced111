"""RepeatPurchase: own items by count, recency and propensity; popularity behind them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import Recommender
from shopmind.recommend.repeat import RepeatPurchase, dampen, time_decayed
from tests.recommend.conformance import RecommenderConformance


class TestRepeatPurchase(RecommenderConformance):
    # With exclude_seen=True (the suite's default) every item the model is about is removed and
    # only its popularity prior is left, so it is checked as a non-personalised model there.
    personalised = False

    def make_model(self) -> Recommender:
        return RepeatPurchase()


def _purchases(
    rows: Sequence[int],
    cols: Sequence[int],
    ages: Sequence[float],
    shape: tuple[int, int],
    half_life: float,
) -> sp.csr_matrix:
    return time_decayed(
        np.array(rows), np.array(cols), np.array(ages), half_life_days=half_life, shape=shape
    )


def test_most_bought_and_most_recent_first() -> None:
    # Customer 0 bought item 0 three times lately, 1 three times long ago, 2 once lately,
    # 3 once long ago. Customers 1-10 re-buy items 0-3; customers 1-30 buy items 4-5 (the
    # best-sellers, which customer 0 never bought) once.
    rows = [0, 0, 0, 0, 0, 0, 0, 0]
    cols = [0, 0, 0, 1, 1, 1, 2, 3]
    ages = [1, 8, 15, 200, 210, 220, 2, 300]
    for customer in range(1, 31):
        if customer <= 10:
            rows += [customer] * 8
            cols += [0, 0, 1, 1, 2, 2, 3, 3]
            ages += [5, 20] * 4
        rows += [customer, customer]
        cols += [4, 5]
        ages += [3, 3]
    matrix = _purchases(rows, cols, ages, (31, 6), half_life=30.0)
    model = RepeatPurchase().fit(matrix)
    items, _ = model.recommend(matrix[[0]], k=6, exclude_seen=False)
    assert list(items[0, :2]) == [0, 2]
    own = [item for item in items[0] if item < 4]
    assert own == [0, 2, 1, 3]


def test_counts_order_own_items_ahead_of_best_sellers() -> None:
    counts = np.zeros((30, 6))
    counts[0, :3] = [1, 5, 2]
    counts[1:, :3] = 2  # everyone re-buys items 0-2
    counts[1:, 3:] = 1  # and buys 3-5 once: more buyers, fewer repeats
    model = RepeatPurchase().fit(sp.csr_matrix(counts))
    items, _ = model.recommend(sp.csr_matrix(counts[[0]]), k=4, exclude_seen=False)
    assert list(items[0, :3]) == [1, 2, 0]


def test_habitual_items_rank_above_one_offs() -> None:
    # Item 0 is re-bought by its 20 buyers; item 1 is bought once by 40 buyers (so it is more
    # popular); the customer bought each once.
    counts = np.zeros((61, 2))
    counts[1:21, 0] = 3
    counts[21:61, 1] = 1
    counts[0] = 1
    model = RepeatPurchase().fit(sp.csr_matrix(counts))
    assert model.propensity_[0] > 1.0 > model.propensity_[1]
    items, _ = model.recommend(sp.csr_matrix(counts[[0]]), k=2, exclude_seen=False)
    assert list(items[0]) == [0, 1]
    # Without the propensity, popularity breaks the tie the other way.
    plain = RepeatPurchase(propensity=False).fit(sp.csr_matrix(counts))
    assert list(plain.recommend(sp.csr_matrix(counts[[0]]), k=2, exclude_seen=False)[0][0]) == [
        1,
        0,
    ]


def test_empty_history_gets_popularity_order() -> None:
    counts = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 1, 1]], float))
    model = RepeatPurchase().fit(counts)
    items, scores = model.recommend(sp.csr_matrix((1, 3)), k=3)
    assert list(items[0]) == [1, 2, 0]
    assert (np.diff(scores[0]) < 0).all()


def test_time_decayed_halves_per_half_life_and_sums() -> None:
    matrix = _purchases([0, 0, 1], [1, 1, 0], [0.0, 10.0, 20.0], (2, 2), half_life=10.0)
    np.testing.assert_allclose(matrix.toarray(), [[0.0, 1.5], [0.25, 0.0]])
    counts = _purchases([0, 0], [0, 0], [5.0, 500.0], (1, 1), half_life=np.inf)
    assert counts[0, 0] == 2.0
    with pytest.raises(ValueError, match="half_life"):
        _purchases([0], [0], [1.0], (1, 1), half_life=0.0)


def test_dampen() -> None:
    matrix = sp.csr_matrix(np.array([[0.0, 3.0, 1.0]]))
    np.testing.assert_allclose(dampen(matrix, "log").toarray(), [[0, np.log(4), np.log(2)]])
    np.testing.assert_allclose(dampen(matrix, "binary").toarray(), [[0, 1, 1]])
    np.testing.assert_allclose(dampen(matrix, "linear").toarray(), matrix.toarray())
    with pytest.raises(ValueError, match="strength"):
        dampen(matrix, "sqrt")  # type: ignore[arg-type]
