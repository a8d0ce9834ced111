"""The conformance suite every recommender passes (as implicit's RecommenderBaseTestMixin).

A test module subclasses `RecommenderConformance`, sets `make_model` (a fresh, unfitted model
with small, fast settings) and inherits every test. A model that cannot personalise (popularity)
sets `personalised = False` and is checked on what it does plant-wise instead.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import Recommender

N_CLUSTERS = 4
USERS_PER_CLUSTER = 30
ITEMS_PER_CLUSTER = 12


def planted_matrix(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Users in clusters who interact mostly with their cluster's items, plus a global taste
    for item 0 of each cluster. Returns (interactions, user cluster, item cluster)."""
    rng = np.random.default_rng(seed)
    users = np.repeat(np.arange(N_CLUSTERS), USERS_PER_CLUSTER)
    items = np.repeat(np.arange(N_CLUSTERS), ITEMS_PER_CLUSTER)
    same = users[:, None] == items[None, :]
    probability = np.where(same, 0.45, 0.02)
    dense = (rng.random(probability.shape) < probability).astype(np.float64)
    return sp.csr_matrix(dense), users, items


def hold_out_one(matrix: sp.csr_matrix, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """Remove one interaction per user (who has at least two); returns (train, held-out item)."""
    rng = np.random.default_rng(seed)
    train = matrix.tolil(copy=True)
    held = np.full(matrix.shape[0], -1)
    for user in range(matrix.shape[0]):
        row = matrix[user].indices
        if len(row) >= 2:
            held[user] = rng.choice(row)
            train[user, held[user]] = 0
    result = train.tocsr()
    result.eliminate_zeros()
    return result, held


def fitted_arrays(obj: object, name: str = "model", depth: int = 0) -> list[tuple[str, Any]]:
    """Every array and sparse matrix reachable from a fitted object's attributes."""
    if isinstance(obj, np.ndarray | sp.sparray | sp.spmatrix):
        return [(name, obj)]
    if depth > 4:
        return []
    if isinstance(obj, list | tuple):
        children = [(f"{name}[{i}]", value) for i, value in enumerate(obj)]
    elif isinstance(obj, dict):
        children = [(f"{name}[{key!r}]", value) for key, value in obj.items()]
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        children = [(f"{name}.{key}", value) for key, value in vars(obj).items()]
    else:
        return []
    return [found for key, value in children for found in fitted_arrays(value, key, depth + 1)]


def _dense(array: Any) -> np.ndarray:
    return np.asarray(array.toarray() if sp.issparse(array) else array)


class RecommenderConformance:
    personalised: ClassVar[bool] = True

    def make_model(self) -> Recommender:
        raise NotImplementedError("set make_model in the test class")

    @pytest.fixture
    def data(self) -> sp.csr_matrix:
        return planted_matrix()[0]

    def test_fit_returns_self_and_sets_state(self, data: sp.csr_matrix) -> None:
        model = self.make_model()
        assert model.fit(data) is model
        assert model.n_items_ == data.shape[1]

    def test_score_shape(self, data: sp.csr_matrix) -> None:
        model = self.make_model().fit(data)
        scores = model.score(data[:5])
        assert scores.shape == (5, data.shape[1])
        assert np.isfinite(scores).all()

    def test_recommend_excludes_seen_and_is_sorted(self, data: sp.csr_matrix) -> None:
        model = self.make_model().fit(data)
        items, scores = model.recommend(data, k=5)
        assert items.shape == scores.shape == (data.shape[0], 5)
        for user in range(data.shape[0]):
            assert not set(items[user]) & set(data[user].indices)
            assert (np.diff(scores[user]) <= 1e-9).all()
            assert len(set(items[user])) == 5

    def test_recommend_can_include_seen(self, data: sp.csr_matrix) -> None:
        model = self.make_model().fit(data)
        items, _ = model.recommend(data[:3], k=data.shape[1], exclude_seen=False)
        assert (items >= 0).all()

    def test_allowed_mask_is_respected(self, data: sp.csr_matrix) -> None:
        model = self.make_model().fit(data)
        allowed = np.zeros(data.shape[1], dtype=bool)
        allowed[::3] = True
        items, _ = model.recommend(data, k=data.shape[1], allowed=allowed)
        shown = items[items >= 0]
        assert allowed[shown].all()

    def test_empty_history_still_gets_items(self, data: sp.csr_matrix) -> None:
        model = self.make_model().fit(data)
        empty = sp.csr_matrix((2, data.shape[1]))
        items, _ = model.recommend(empty, k=3)
        assert items.shape == (2, 3)
        assert np.isfinite(model.score(empty)).all()

    def test_similar_items(self, data: sp.csr_matrix) -> None:
        model = self.make_model().fit(data)
        items, _ = model.similar_items(np.array([0, 5]), k=4)
        assert items.shape == (2, 4)
        assert 0 not in items[0] and 5 not in items[1]

    def test_pickle_round_trip(self, data: sp.csr_matrix) -> None:
        model = self.make_model().fit(data)
        restored = pickle.loads(pickle.dumps(model))
        np.testing.assert_allclose(restored.score(data[:10]), model.score(data[:10]))

    def test_forget_leaves_nothing_per_customer(self, data: sp.csr_matrix) -> None:
        # Every array the fitted model holds with one entry per training customer must be
        # empty for the forgotten ones; the model still scores everyone else.
        model = self.make_model().fit(data)
        n_users, n_items = data.shape
        assert n_users != n_items, "the check tells customers from items by their count"
        forgotten = np.array([3, 7, 50])
        model.forget(forgotten)
        for name, array in fitted_arrays(model):
            for axis, size in enumerate(array.shape):
                if size == n_users:
                    rows = np.take(_dense(array), forgotten, axis=axis)
                    assert not np.any(rows), f"{name} still holds forgotten customers"
        scores = model.score(data[:10])
        assert scores.shape == (10, n_items) and np.isfinite(scores).all()
        assert pickle.loads(pickle.dumps(model)).score(data[:2]).shape == (2, n_items)

    def test_recovers_planted_clusters(self) -> None:
        matrix, users, items = planted_matrix(seed=1)
        train, held = hold_out_one(matrix, seed=1)
        model = self.make_model().fit(train)
        recommended, _ = model.recommend(train, k=5)
        if not self.personalised:
            # One list for all: it must still be the most popular of what is left.
            counts = np.asarray(train.sum(axis=0)).ravel()
            assert counts[recommended[0, 0]] >= np.sort(counts)[-len(train[0].indices) - 1]
            return
        in_cluster = items[recommended] == users[:, None]
        # Nearly all recommendations come from the customer's own cluster (chance: 1/4).
        assert in_cluster.mean() > 0.8
        known = held >= 0
        hits = (recommended[known] == held[known, None]).any(axis=1)
        # Held-out items are found far more often than by popularity (about 5/45 here).
        assert hits.mean() > 0.25
