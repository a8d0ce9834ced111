"""The recommend engine: turns a Shop into interaction matrices, trains a model, answers by id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError
from shopmind.recommend.base import Recommender
from shopmind.recommend.metrics import coverage, ranking_metrics
from shopmind.recommend.popular import Popular

__all__ = ["EVENT_WEIGHTS", "RecommendEngine", "interactions"]

EVENT_WEIGHTS: Mapping[str, float] = {
    "view": 0.1,
    "click": 0.1,
    "cart": 0.5,
    "wishlist": 0.5,
    "rating": 0.3,
}
"""How much one browsing event counts next to one purchased order line (1.0)."""


def interactions(
    shop: Shop, *, until: pd.Timestamp | None = None, weights: Mapping[str, float] = EVENT_WEIGHTS
) -> sp.csr_matrix:
    """Customers x products interaction strengths: purchases, plus weighted browsing events."""
    bought = shop.purchases()
    bought = bought[bought.status != "cancelled"]
    events = shop.tables["events"].dropna(subset=["customer_id", "product_id"])
    if until is not None:
        bought = bought[bought.ordered_at < until]
        events = events[events.ts < until]
    events = events.assign(weight=events.type.map(dict(weights)).astype("float64").fillna(0.0))
    return shop.matrix(bought) + shop.matrix(events[events.weight > 0], value="weight")


class RecommendEngine:
    """Personal recommendations for known customers, popularity for everyone else."""

    name = "recommend"

    def __init__(
        self, model: Recommender | None = None, *, test_days: int = 28, k: int = 10
    ) -> None:
        self.model = model
        self.test_days = test_days
        self.k = k

    def _new_model(self) -> Recommender:
        import copy

        return copy.deepcopy(self.model) if self.model is not None else Popular()

    def fit(self, shop: Shop) -> Self:
        self.customer_ids_ = shop.customer_ids
        self.product_ids_ = shop.product_ids
        self.history_ = interactions(shop)
        self.model_ = self._new_model().fit(self.history_)
        self.fallback_ = Popular().fit(self.history_)
        return self

    def recommend(self, customer_id: str, k: int = 10) -> pd.DataFrame:
        """Top-k products (product_id, score) for one customer; unknown ones get the fallback."""
        row = self.customer_ids_.get_indexer(pd.Index([customer_id]))[0]
        if row >= 0:
            items, scores = self.model_.recommend(self.history_[[row]], k)
        else:
            empty = sp.csr_matrix((1, len(self.product_ids_)))
            items, scores = self.fallback_.recommend(empty, k)
        keep = items[0] >= 0
        return pd.DataFrame(
            {"product_id": self.product_ids_[items[0][keep]], "score": scores[0][keep]}
        )

    def evaluate(self, shop: Shop) -> dict[str, Any]:
        """Temporal hold-out: train on all but the last `test_days`, rank what was bought then."""
        bought = shop.purchases()
        if bought.empty:
            raise InsufficientDataError(
                "the shop has no orders: nothing to evaluate recommendations on"
            )
        cutoff = bought.ordered_at.max() - pd.Timedelta(days=self.test_days)
        train = interactions(shop, until=cutoff)
        test = shop.matrix(bought[bought.ordered_at >= cutoff])
        test.data = np.ones_like(test.data)
        test = (test - test.multiply(train > 0)).tocsr()  # only what is new to the customer
        test.eliminate_zeros()
        known = np.asarray(train.sum(axis=1)).ravel() > 0
        test = sp.csr_matrix(test.multiply(known[:, None]))
        results: dict[str, Any] = {
            "split": f"temporal, last {self.test_days} days",
            "users": int((np.diff(test.indptr) > 0).sum()),
        }
        for label, model in (("model", self._new_model()), ("popularity", Popular())):
            model.fit(train)
            items, _ = model.recommend(train, self.k)
            metrics = ranking_metrics(items, test, self.k)
            metrics[f"coverage@{self.k}"] = coverage(items[known], train.shape[1])
            results[label] = metrics
        return results
