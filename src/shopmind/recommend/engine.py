"""The recommend engine: from a Shop to answers by the shop's own ids.

It serves every case with one fitted object: known customers (their history), visitors with
only a live session (events seen a moment ago count, without retraining), brand-new customers
(trending), brand-new products (the model's content side), plus similar items, bought-together
and "because you bought X" explanations, all under the shop's rules.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shopmind.data.snapshot import Shop
from shopmind.errors import NotFoundError
from shopmind.recommend.base import Recommender, top_k, without_rows
from shopmind.recommend.content import embed_products
from shopmind.recommend.evaluation import Split, evaluate
from shopmind.recommend.interactions import EVENT_WEIGHTS, bought, interactions
from shopmind.recommend.registry import MODELS, RATING_MODELS, served_model
from shopmind.recommend.rules import Catalogue, Rules, apply_rules, diversify

__all__ = ["RecommendEngine", "Recommendation", "Scored"]

Strategy = Literal["personal", "session", "trending"]


class Scored(NamedTuple):
    """One recommended product (pd.DataFrame(items) makes a table of them)."""

    product_id: str
    title: str
    score: float
    reason: str


@dataclass(frozen=True)
class Recommendation:
    strategy: Strategy
    items: list[Scored]
    """Best first."""


class RecommendEngine:
    """Fits a personal model, trending, bought-together and explanations on one snapshot."""

    name = "recommend"

    def __init__(
        self,
        model: Recommender | None = None,
        *,
        content: bool = True,
        half_life_days: float = 14.0,
        neighbours: int = 20,
        test_days: int = 28,
        k: int = 10,
    ) -> None:
        self.model = model
        self.content = content
        self.half_life_days = half_life_days
        self.neighbours = neighbours
        self.test_days = test_days
        self.k = k

    # --- training -----------------------------------------------------------------------------

    def _new_model(self) -> Recommender:
        if self.model is not None:
            return copy.deepcopy(self.model)
        return served_model(content=self.content)

    def fit(
        self,
        shop: Shop,
        *,
        history: sp.csr_matrix | None = None,
        fitted: Recommender | None = None,
    ) -> Self:
        """Fit on `shop`. A distributed trainer may pass the customers x products `history`
        it aggregated (default: `interactions(shop)`) and a personal model it already fitted
        on that history (default: a copy of `model`, or the served blend, fitted here)."""
        lines = bought(shop)
        self.customer_ids_ = shop.customer_ids
        self.product_ids_ = shop.product_ids
        # Plain dicts: a look-up per request costs nanoseconds, not a pandas call.
        self.customer_index_ = {str(c): i for i, c in enumerate(shop.customer_ids)}
        self.product_index_ = {str(p): i for i, p in enumerate(shop.product_ids)}
        self.history_ = interactions(shop) if history is None else history.tocsr()
        purchased = shop.matrix(lines)
        purchased.data = np.ones_like(purchased.data)
        self.purchased_ = purchased.astype(bool).tocsr()
        self.item_features_ = (
            embed_products(shop.tables["products"]) if self.content and shop.n_products else None
        )
        self.model_ = (
            fitted
            if fitted is not None
            else self._new_model().fit(self.history_, item_features=self.item_features_)
        )
        self.trending_ = self._trending(shop, lines)
        self.together_ = _top_k_similarity(_orders_by_products(shop, lines), self.neighbours)
        self.similar_ = _top_k_similarity(self.history_, self.neighbours)
        self.catalogue_ = Catalogue.build(shop.tables["products"], shop.tables["inventory"], lines)
        return self

    def about(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's interaction strengths and purchases as the model holds them."""
        index = self._customer(customer_id)
        if index < 0:
            return None
        history = self.history_[[index]].tocoo()
        return {
            "interactions": {
                str(self.product_ids_[p]): round(float(v), 6)
                for p, v in zip(history.col, history.data, strict=True)
            },
            "purchased": [str(self.product_ids_[p]) for p in self.purchased_[[index]].indices],
        }

    def forget(self, customer_ids: Collection[str]) -> int:
        """Remove these customers' per-customer state (history, purchases, the model's rows)
        so they are served as strangers; returns how many the engine knew. Item-level
        aggregates (similarities, trending, bought-together) keep their anonymous counts."""
        rows = np.array(
            [i for c in customer_ids if (i := self.customer_index_.pop(c, -1)) >= 0], dtype=int
        )
        if rows.size == 0:
            return 0
        self.history_ = without_rows(self.history_, rows)
        self.purchased_ = without_rows(self.purchased_, rows)
        self.model_.forget(rows)
        names = self.customer_ids_.to_numpy(dtype=object, copy=True)
        names[rows] = None  # the id itself goes too: the row stays, pseudonymous and empty
        self.customer_ids_ = pd.Index(names, name=self.customer_ids_.name)
        return int(rows.size)

    def _trending(self, shop: Shop, bought: pd.DataFrame) -> np.ndarray:
        """Purchases weighted by 2^(-age / half-life): what is selling now."""
        if bought.empty:
            return np.zeros(shop.n_products)
        now = bought.ordered_at.max()
        age = (now - bought.ordered_at).dt.total_seconds() / 86_400.0
        decayed = bought.assign(weight=np.power(0.5, age / self.half_life_days))
        matrix = shop.matrix(decayed, value="weight")
        return np.asarray(matrix.sum(axis=0)).ravel()

    # --- answering ----------------------------------------------------------------------------

    def history_row(
        self, customer_id: str | None, session: Sequence[tuple[str, str]] = ()
    ) -> sp.csr_matrix:
        """The customer's stored history plus live (product_id, event type) pairs."""
        row = sp.csr_matrix((1, len(self.product_ids_)))
        index = self._customer(customer_id)
        if index >= 0:
            row = self.history_[[index]]
        if session:
            products = np.array([self.product_index_.get(p, -1) for p, _ in session])
            weights = np.array([EVENT_WEIGHTS.get(t, 0.0) for _, t in session])
            keep = (products >= 0) & (weights > 0)
            live = sp.csr_matrix(
                (weights[keep], (np.zeros(keep.sum(), dtype=int), products[keep])), shape=row.shape
            )
            row = (row + live).tocsr()
        return row

    def recommend(
        self,
        customer_id: str | None = None,
        *,
        k: int = 10,
        rules: Rules | None = None,
        session: Sequence[tuple[str, str]] = (),
    ) -> Recommendation:
        """Top-k for a customer (or an anonymous session) under the shop's rules."""
        rules = rules or Rules()
        history = self.history_row(customer_id, session)
        index = self._customer(customer_id)
        if history.nnz == 0:
            strategy: Strategy = "trending"
            scores = self.trending_[None, :].astype(np.float64)
        else:
            strategy = "personal" if index >= 0 else "session"
            scores = np.asarray(self.model_.score(history), dtype=np.float64)
        purchased = (
            self.purchased_[[index]].toarray() if index >= 0 else np.zeros(scores.shape, dtype=bool)
        )
        live_bought = [
            i for p, t in session if t == "purchase" and (i := self.product_index_.get(p, -1)) >= 0
        ]
        if live_bought:
            purchased[0, live_bought] = True
        scores = apply_rules(scores, self.catalogue_, rules, purchased)
        wanted = k if rules.max_per_category is None else min(len(self.product_ids_), k * 10)
        items, best = top_k(scores, wanted)
        if rules.max_per_category is not None:
            items = diversify(items, self.catalogue_, rules.max_per_category, k)
            best = np.take_along_axis(scores, np.maximum(items, 0), axis=1)
        chosen = items[0][items[0] >= 0][:k]
        values = best[0][: len(chosen)]
        reasons = self._reasons(chosen, history, strategy)
        return Recommendation(strategy, self._scored(chosen, values, reasons))

    def similar(self, product_id: str, k: int = 10, *, rules: Rules | None = None) -> list[Scored]:
        """Products most like this one (by what the same customers did)."""
        item = self._product(product_id)
        scores = self.similar_[[item]].toarray()
        if not scores.any() and self.item_features_ is not None:
            # Nobody has bought it yet: similar by its description instead.
            scores = (self.item_features_ @ self.item_features_[item])[None, :].astype(np.float64)
        scores[0, item] = -np.inf
        return self._ranked(
            scores,
            k,
            rules or Rules(exclude_purchased=False),
            f"customers who liked {self.catalogue_.title[item]} liked this too",
        )

    def bought_together(
        self, product_id: str, k: int = 10, *, rules: Rules | None = None
    ) -> list[Scored]:
        """Products bought in the same orders as this one."""
        item = self._product(product_id)
        scores = self.together_[[item]].toarray()
        scores[0, item] = -np.inf
        scores[scores == 0] = -np.inf
        return self._ranked(
            scores,
            k,
            rules or Rules(exclude_purchased=False),
            f"often bought with {self.catalogue_.title[item]}",
        )

    def trending(self, k: int = 10, *, rules: Rules | None = None) -> list[Scored]:
        scores = self.trending_[None, :].astype(np.float64)
        return self._ranked(scores, k, rules or Rules(exclude_purchased=False), "trending now")

    def _ranked(self, scores: np.ndarray, k: int, rules: Rules, reason: str) -> list[Scored]:
        scores = apply_rules(scores, self.catalogue_, rules)
        items, best = top_k(scores, k)
        keep = items[0] >= 0
        chosen = items[0][keep]
        return self._scored(chosen, best[0][keep], [reason] * len(chosen))

    def _reasons(self, items: np.ndarray, history: sp.csr_matrix, strategy: Strategy) -> list[str]:
        if strategy == "trending" or len(items) == 0:
            return ["trending now"] * len(items)
        seen = history.indices
        if len(seen) == 0:
            return ["recommended for you"] * len(items)
        # The history item most similar to each recommendation explains it.
        links = self.similar_[seen][:, items].toarray() * history.data[:, None]
        best = links.argmax(axis=0)
        reasons = []
        for column, source in enumerate(best):
            if links[source, column] <= 0:
                reasons.append("recommended for you")
            else:
                reasons.append(f"because you liked {self.catalogue_.title[seen[source]]}")
        return reasons

    def _scored(self, items: np.ndarray, scores: np.ndarray, reasons: list[str]) -> list[Scored]:
        ids, titles = self.product_ids_, self.catalogue_.title
        return [
            Scored(str(ids[i]), str(titles[i]), float(v), r)
            for i, v, r in zip(items.tolist(), np.asarray(scores).tolist(), reasons, strict=True)
        ]

    def _customer(self, customer_id: str | None) -> int:
        return -1 if customer_id is None else self.customer_index_.get(customer_id, -1)

    def _product(self, product_id: str) -> int:
        item = self.product_index_.get(product_id, -1)
        if item < 0:
            raise NotFoundError(f"unknown product {product_id!r}")
        return item

    # --- offline evaluation -------------------------------------------------------------------

    def evaluate(
        self,
        shop: Shop,
        *,
        split: Split = "temporal",
        k: int | None = None,
        models: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Every named model (default: all of them and the served one) on a hold-out of the
        shop's own data; rating predictors too when the shop has ratings."""
        chosen = list(models) if models is not None else list(MODELS)
        unknown = [m for m in chosen if m not in MODELS]
        if unknown:
            raise NotFoundError(f"unknown models {unknown}; models: {', '.join(MODELS)}")
        factories = {name: MODELS[name] for name in chosen}
        features = None
        if self.content and "served" in factories and shop.n_products:
            features = embed_products(shop.tables["products"])
            factories["served"] = lambda: served_model(content=True)
        return evaluate(
            shop,
            factories,
            split=split,
            k=k or self.k,
            weights=EVENT_WEIGHTS,
            rating_models=RATING_MODELS,
            item_features=features,
            test_days=self.test_days,
        )


def _orders_by_products(shop: Shop, bought: pd.DataFrame) -> sp.csr_matrix:
    """Orders x products, 1 where the order contained the product."""
    codes, _ = pd.factorize(bought.order_id)
    items = shop.product_index(bought.product_id.to_numpy())
    keep = items >= 0
    matrix = sp.csr_matrix(
        (np.ones(keep.sum()), (codes[keep], items[keep])),
        shape=(int(codes.max()) + 1 if len(codes) else 0, shop.n_products),
    )
    matrix.data = np.minimum(matrix.data, 1.0)
    return matrix


def _top_k_similarity(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Item x item cosine similarity of the columns of `matrix`, keeping the k best per item."""
    binary = matrix.tocsc(copy=True).astype(np.float64)
    binary.data = np.ones_like(binary.data)
    norms = np.sqrt(np.asarray(binary.multiply(binary).sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    normalised = binary @ sp.diags(1.0 / norms)
    similarity = (normalised.T @ normalised).tocsr()
    similarity.setdiag(0.0)
    similarity.eliminate_zeros()
    rows, cols, vals = [], [], []
    for item in range(similarity.shape[0]):
        start, end = similarity.indptr[item], similarity.indptr[item + 1]
        if end == start:
            continue
        data = similarity.data[start:end]
        keep = np.argsort(-data, kind="stable")[:k]
        rows.append(np.full(len(keep), item))
        cols.append(similarity.indices[start:end][keep])
        vals.append(data[keep])
    if not rows:
        return sp.csr_matrix(similarity.shape)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=similarity.shape
    )
