"""Offline evaluation of recommenders on the shop's own data, under a chosen split.

The shop's interactions (purchases, plus weighted browsing events) become one long frame; a
split divides it into train and test; every model is fitted on train and ranks items for the
customers in test. Relevant items are the products a customer *bought* in the test part that
they had not bought in train; as in serving, products bought before are not recommended again,
products only viewed may be. Ratings, where the shop has them, are split the same way
and scored by RMSE and MAE.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError
from shopmind.recommend.base import Recommender
from shopmind.recommend.interactions import interaction_frame
from shopmind.recommend.metrics import coverage, novelty, per_user_metrics, rating_errors
from shopmind.recommend.splits import leave_last_n, stratified_split, temporal_split
from shopmind.uncertainty import LEVEL, paired_gain

__all__ = ["SPLITS", "Split", "evaluate", "split_frame"]

Split = Literal["temporal", "random-user", "stratified-item", "leave-last-n"]
SPLITS: tuple[Split, ...] = ("temporal", "random-user", "stratified-item", "leave-last-n")
GAIN_MODELS = ("served", "popular")
"""The gain recorded with its interval: the served model against best-sellers."""


def split_frame(
    frame: pd.DataFrame,
    split: Split,
    *,
    test_days: float = 28.0,
    ratio: float = 0.75,
    n: int = 1,
    seed: int = 42,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and test parts of a long frame with customer_id, product_id and ts."""
    if split == "temporal":
        return temporal_split(frame, test_days=test_days, time="ts")
    if split == "random-user":
        return stratified_split(
            frame, ratio, by="user", seed=seed, user="customer_id", item="product_id"
        )
    if split == "stratified-item":
        return stratified_split(
            frame, ratio, by="item", seed=seed, user="customer_id", item="product_id"
        )
    if split == "leave-last-n":
        if "bought" not in frame.columns:
            return leave_last_n(frame, n, user="customer_id", time="ts")
        # Hold out each customer's last n purchases; train on what happened before them.
        _, test = leave_last_n(frame[frame.bought], n, user="customer_id", time="ts")
        first = frame.customer_id.map(test.groupby("customer_id").ts.min())
        train = frame[~frame.index.isin(test.index) & ~(frame.ts >= first)]
        return train, test
    raise ValueError(f"unknown split {split!r}; splits: {', '.join(SPLITS)}")


def evaluate(
    shop: Shop,
    models: Mapping[str, Callable[[], Recommender]],
    *,
    split: Split = "temporal",
    k: int = 10,
    weights: Mapping[str, float],
    rating_models: Mapping[str, Callable[[], Any]] | None = None,
    item_features: np.ndarray | None = None,
    **split_options: Any,
) -> dict[str, Any]:
    """Fit each model on the train part and rank for the test customers; returns one metrics
    dict per model (precision, recall, ndcg, map, hit rate, coverage, novelty at k)."""
    frame = interaction_frame(shop, weights)
    if frame.empty:
        raise InsufficientDataError("the shop has no purchases or browsing events to evaluate on")
    train_part, test_part = split_frame(frame, split, **split_options)
    train = shop.matrix(train_part, value="weight")
    bought_before = shop.matrix(train_part[train_part.bought]) > 0
    test = shop.matrix(test_part[test_part.bought])
    test.data = np.ones_like(test.data)
    test = (test - test.multiply(bought_before)).tocsr()  # new purchases only
    test.eliminate_zeros()
    known = np.asarray(train.sum(axis=1)).ravel() > 0
    test = sp.csr_matrix(test.multiply(known[:, None]))
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    if len(users) == 0:
        raise InsufficientDataError(
            f"under the {split} split no customer with earlier history bought something new "
            "in the test part: nothing to evaluate on"
        )
    results: dict[str, Any] = {
        "split": split,
        "k": k,
        "test_customers": len(users),
        "train_rows": len(train_part),
        "test_rows": len(test_part),
        "models": {},
    }
    ndcg: dict[str, np.ndarray] = {}
    for name, make in models.items():
        model = make().fit(train, item_features=item_features)
        # As in serving: what was bought before is not shown again; what was viewed may be.
        items, _ = model.recommend(train[users], k, exclude=bought_before[users].tocsr())
        per_user = per_user_metrics(items, test[users], k)
        ndcg[name] = per_user[f"ndcg@{k}"]
        metrics = {metric: float(np.mean(values)) for metric, values in per_user.items()}
        metrics[f"coverage@{k}"] = coverage(items, shop.n_products)
        metrics[f"novelty@{k}"] = novelty(items, train)
        results["models"][name] = metrics
    if GAIN_MODELS[0] in ndcg and GAIN_MODELS[1] in ndcg:
        results["gain"] = _gain(ndcg[GAIN_MODELS[0]], ndcg[GAIN_MODELS[1]], k)
    if rating_models:
        ratings = _ratings(shop)
        if len(ratings) >= 10:
            results["ratings"] = _evaluate_ratings(
                shop, ratings, rating_models, split, split_options
            )
    return results


def _gain(ours: np.ndarray, baseline: np.ndarray, k: int) -> dict[str, Any]:
    """The served model's gain in ndcg@k over best-sellers, with the interval from
    resampling the test customers."""
    try:
        percent, low, high = paired_gain(ours, baseline, higher_is_better=True)
    except ValueError as error:
        return {"error": str(error)}
    return {
        "metric": f"ndcg@{k}",
        "model": GAIN_MODELS[0],
        "baseline": GAIN_MODELS[1],
        "percent": round(percent, 2),
        "low": round(low, 2),
        "high": round(high, 2),
        "level": LEVEL,
        "resampled": "test customers",
    }


def _ratings(shop: Shop) -> pd.DataFrame:
    events = shop.tables["events"]
    rated = events[(events.type == "rating") & events.value.notna()]
    rated = rated.dropna(subset=["customer_id", "product_id"]).sort_values("ts", kind="stable")
    latest = rated.drop_duplicates(["customer_id", "product_id"], keep="last")  # re-ratings
    return latest[["customer_id", "product_id", "ts", "value"]].reset_index(drop=True)


def _evaluate_ratings(
    shop: Shop,
    ratings: pd.DataFrame,
    models: Mapping[str, Callable[[], Any]],
    split: Split,
    split_options: Mapping[str, Any],
) -> dict[str, dict[str, float]]:
    train, test = split_frame(ratings, split, **split_options)
    out: dict[str, dict[str, float]] = {}
    users = shop.customer_index(train.customer_id.to_numpy())
    items = shop.product_index(train.product_id.to_numpy())
    test_users = shop.customer_index(test.customer_id.to_numpy())
    test_items = shop.product_index(test.product_id.to_numpy())
    for name, make in models.items():
        model = make().fit(
            users,
            items,
            train.value.to_numpy(dtype=np.float64),
            n_users=shop.n_customers,
            n_items=shop.n_products,
        )
        predicted = model.predict(test_users, test_items)
        out[name] = rating_errors(predicted, test.value.to_numpy(dtype=np.float64))
    return out
