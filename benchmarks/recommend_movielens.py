"""recommend-movielens: top-10 on MovieLens 100K with Microsoft Recommenders' protocol.

Every rating is a positive (value 1). The 75/25 split is Recommenders'
`python_stratified_split(data, ratio=0.75, col_user, col_item, seed=42)`, i.e. stratified per
user (their default filter_by="user"), which `splits.stratified_split` reproduces row for row.
Each system recommends 10 items per user from the items seen in training, minus the user's own
training items, and is scored on the users with test items.

Every system, shopmind's and its peers', is tuned on the same validation split carved from the
training rows (the same stratified split of train, 75/25, seed 42) over a small grid, then refitted
on all of train with the chosen settings and scored once on test. The blend row tunes only its
weights and normalisation there; its components keep their own validation choices. Published
rows are Recommenders' README table (same dataset, split and k, their own runs).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from itertools import product
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from implicit.nearest_neighbours import BM25Recommender, CosineRecommender
from implicit.utils import ParameterWarning
from threadpoolctl import threadpool_limits

from shopmind.data.datasets import movielens_100k_ratings
from shopmind.recommend.base import Recommender
from shopmind.recommend.ease import EASE
from shopmind.recommend.factorization import ALS, BPR
from shopmind.recommend.graph import RP3beta
from shopmind.recommend.hybrid import Blend
from shopmind.recommend.metrics import hits_matrix, ranking_metrics
from shopmind.recommend.neighbors import UserKNN
from shopmind.recommend.splits import stratified_split

SEED = 42
K = 10
THREADS = 2
TARGET = 0.50

Params = dict[str, Any]
TopK = Callable[[Params, sp.csr_matrix, np.ndarray], np.ndarray]
"""(settings, train matrix, candidate mask) -> top-K item indices per user."""

PUBLISHED = [
    ("BiVAE", 0.146126, 0.475077, 0.411771, 0.219145),
    ("BPR (Cornac)", 0.132478, 0.441997, 0.388229, 0.212522),
    ("LightGCN", 0.088526, 0.419846, 0.379626, 0.144336),
    ("SAR", 0.110591, 0.382461, 0.330753, 0.176385),
]
"""Recommenders' README, MovieLens 100k: (algorithm, MAP, nDCG@10, Precision@10, Recall@10)."""


class System(NamedTuple):
    name: str
    kind: str
    grid: Sequence[Params]
    top_k: TopK


def _grid(**axes: Sequence[Any]) -> list[Params]:
    return [dict(zip(axes, values, strict=True)) for values in product(*axes.values())]


# -- data -------------------------------------------------------------------------------------


class Split(NamedTuple):
    train: sp.csr_matrix
    test: sp.csr_matrix


def _split(frame: pd.DataFrame, users: pd.Index, items: pd.Index) -> Split:
    train, test = _stratified(frame)
    return Split(_matrix(train, users, items), _matrix(test, users, items))


def _stratified(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return stratified_split(frame, ratio=0.75, by="user", seed=SEED)


def _matrix(frame: pd.DataFrame, users: pd.Index, items: pd.Index) -> sp.csr_matrix:
    rows = users.get_indexer(pd.Index(frame["user_id"]))
    cols = items.get_indexer(pd.Index(frame["item_id"]))
    matrix = sp.csr_matrix(
        (np.ones(len(frame)), (rows, cols)), shape=(len(users), len(items)), dtype=np.float64
    )
    matrix.data[:] = 1.0
    return matrix


def _candidates(train: sp.csr_matrix) -> np.ndarray:
    return np.asarray(train.sum(axis=0)).ravel() > 0


# -- metrics ----------------------------------------------------------------------------------


def _metrics(recommended: np.ndarray, relevant: sp.csr_matrix) -> dict[str, float]:
    """metrics.ranking_metrics at K; Recommenders' `map` (the published MAP column: precision
    at each hit in the top K, summed, over |relevant| rather than min(|relevant|, K)); and the
    standard error of ndcg@K over users."""
    scores = ranking_metrics(recommended, relevant, K)
    users = np.diff(relevant.indptr) > 0
    hits = hits_matrix(recommended[users, :K], relevant[users])
    n_relevant = np.diff(relevant.indptr)[users]
    precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, K + 1)
    scores["map"] = float(np.mean((precision_at_rank * hits).sum(axis=1) / n_relevant))
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    ndcg = (hits * discounts).sum(axis=1) / np.cumsum(discounts)[np.minimum(n_relevant, K) - 1]
    scores[f"ndcg@{K}_se"] = float(ndcg.std(ddof=1) / np.sqrt(len(ndcg)))
    return {name: round(value, 4) for name, value in scores.items()}


# -- systems ----------------------------------------------------------------------------------


def _shopmind(make: Callable[[Params], Recommender]) -> TopK:
    def run(params: Params, train: sp.csr_matrix, candidates: np.ndarray) -> np.ndarray:
        model = make(params).fit(train)
        return model.recommend(train, K, allowed=candidates)[0]

    return run


def _implicit(make: Callable[[Params], Any]) -> TopK:
    def run(params: Params, train: sp.csr_matrix, candidates: np.ndarray) -> np.ndarray:
        model = make(params)
        user_items = sp.csr_matrix(train, dtype=np.float32)
        with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
            # implicit's item-kNN converts its own COO product to CSR and warns about it.
            warnings.simplefilter("ignore", ParameterWarning)
            model.fit(user_items, show_progress=False)
            ids, _ = model.recommend(
                np.arange(train.shape[0]),
                user_items,
                N=K,
                filter_already_liked_items=True,
                filter_items=np.flatnonzero(~candidates),
            )
        return np.asarray(ids)

    return run


ALS_GRID = _grid(
    factors=[48, 64, 96, 160], regularization_alpha=[(20, 3), (30, 4), (40, 5), (50, 6), (60, 8)]
)
BPR_GRID = _grid(factors=[64, 128], learning_rate=[0.005, 0.01], regularization=[0.01, 0.05])


def _als_settings(params: Params) -> Params:
    regularization, alpha = params["regularization_alpha"]
    return {
        "factors": params["factors"],
        "regularization": float(regularization),
        "alpha": float(alpha),
        "iterations": 20,
        "random_state": SEED,
    }


def _bpr_settings(params: Params) -> Params:
    return {**params, "iterations": 100, "random_state": SEED}


BLEND_ALS = {"factors": 64, "regularization_alpha": (40, 5)}
BLEND_EASE = {"lambda_": 500.0}
BLEND_USER_KNN = {"k": 200, "weighting": "bm25"}
"""The blend's components keep the settings chosen on the validation split on their own (ALS
and EASE: their rows here; user-kNN: k in {50, 100, 200} x weighting in {none, bm25}); only the
weights and the normalisation are tuned for the blend, on the same validation split."""

BLEND_GRID = _grid(
    normalisation=["minmax", "rank"], ease=[0.25, 0.5, 1.0], user_knn=[0.0, 0.1, 0.25]
)


def _blend(params: Params) -> Blend:
    return Blend(
        [
            ALS(**_als_settings(BLEND_ALS), num_threads=THREADS),
            EASE(**BLEND_EASE),
            UserKNN(**BLEND_USER_KNN),
        ],
        [1.0, params["ease"], params["user_knn"]],
        normalisation=params["normalisation"],
    )


SYSTEMS = [
    System(
        "shopmind:ease",
        "shopmind",
        _grid(lambda_=[100.0, 200.0, 300.0, 500.0, 800.0]),
        _shopmind(lambda p: EASE(**p)),
    ),
    System(
        # EDLAE (Steck 2020): EASE with the per-item strength λ + p/(1-p)·(XᵀX)_jj.
        "shopmind:ease (edlae dropout)",
        "shopmind",
        _grid(lambda_=[200.0, 300.0, 500.0, 800.0], dropout=[0.1, 0.25, 0.5, 0.67]),
        _shopmind(lambda p: EASE(**p)),
    ),
    System(
        "shopmind:rp3beta",
        "shopmind",
        _grid(alpha=[0.3, 0.5, 0.8, 1.0], beta=[0.3, 0.4, 0.5, 0.6, 0.7], top_k=[None, 100]),
        _shopmind(lambda p: RP3beta(**p)),
    ),
    System(
        "shopmind:als",
        "shopmind",
        ALS_GRID,
        _shopmind(lambda p: ALS(**_als_settings(p), num_threads=THREADS)),
    ),
    System(
        # BPR's Hogwild SGD is only reproducible on one thread.
        "shopmind:bpr",
        "shopmind",
        BPR_GRID,
        _shopmind(lambda p: BPR(**_bpr_settings(p), num_threads=1)),
    ),
    System(
        "shopmind:blend (als + ease + user-knn)",
        "shopmind",
        BLEND_GRID,
        _shopmind(_blend),
    ),
    System(
        "implicit:als",
        "peer",
        ALS_GRID,
        _implicit(lambda p: AlternatingLeastSquares(**_als_settings(p), num_threads=THREADS)),
    ),
    System(
        "implicit:bpr",
        "peer",
        BPR_GRID,
        _implicit(lambda p: BayesianPersonalizedRanking(**_bpr_settings(p), num_threads=1)),
    ),
    System(
        "implicit:item-knn (cosine)",
        "peer",
        _grid(K=[50, 100, 200, 400]),
        _implicit(lambda p: CosineRecommender(**p, num_threads=THREADS)),
    ),
    System(
        "implicit:item-knn (bm25)",
        "peer",
        _grid(K=[50, 100, 200, 400], K1=[1.2], B=[0.5, 0.75, 1.0]),
        _implicit(lambda p: BM25Recommender(**p, num_threads=THREADS)),
    ),
]


# -- the study --------------------------------------------------------------------------------


def _tune(system: System, validation: Split) -> tuple[Params, float]:
    """The grid point with the best validation ndcg@K (first of equals)."""
    candidates = _candidates(validation.train)
    best: tuple[Params, float] | None = None
    for params in system.grid:
        recommended = system.top_k(params, validation.train, candidates)
        ndcg = ranking_metrics(recommended, validation.test, K)[f"ndcg@{K}"]
        if best is None or ndcg > best[1]:
            best = (params, ndcg)
    assert best is not None
    return best


def _evaluate(
    system: System, params: Params, validation_ndcg: float, split: Split
) -> dict[str, Any]:
    started = time.perf_counter()
    recommended = system.top_k(params, split.train, _candidates(split.train))
    seconds = time.perf_counter() - started
    return {
        "system": system.name,
        "kind": system.kind,
        **_metrics(recommended, split.test),
        "fit_and_recommend_seconds": round(seconds, 2),
        "validation_ndcg@10": round(validation_ndcg, 4),
        "settings": _readable(params),
    }


def _readable(params: Mapping[str, Any]) -> str:
    out = dict(params)
    if "regularization_alpha" in out:
        out["regularization"], out["alpha"] = out.pop("regularization_alpha")
    return ", ".join(f"{name}={value}" for name, value in out.items())


def run() -> dict[str, Any]:
    ratings = movielens_100k_ratings()
    users = pd.Index(sorted(ratings["user_id"].unique()))
    items = pd.Index(sorted(ratings["item_id"].unique()))
    train_rows, test_rows = _stratified(ratings)
    split = Split(_matrix(train_rows, users, items), _matrix(test_rows, users, items))
    validation = _split(train_rows, users, items)

    results, chosen = [], {}
    started = time.perf_counter()
    for system in SYSTEMS:
        params, validation_ndcg = _tune(system, validation)
        chosen[system.name] = params
        results.append(_evaluate(system, params, validation_ndcg, split))

    tuning_minutes = (time.perf_counter() - started) / 60

    for name, map_, ndcg, precision, recall in PUBLISHED:
        results.append(
            {
                "system": f"{name} (published)",
                "kind": "published",
                "precision@10": precision,
                "recall@10": recall,
                "ndcg@10": ndcg,
                "map": map_,
            }
        )

    ours = [row for row in results if row["kind"] == "shopmind"]
    best = max(ours, key=lambda row: row["ndcg@10"])
    return {
        "study": "recommend-movielens",
        "dataset": f"MovieLens 100K: {len(ratings):,} ratings, {len(users)} users, "
        f"{len(items)} items; every rating a positive (value 1)",
        "protocol": "Microsoft Recommenders' benchmark protocol: "
        "python_stratified_split(ratio=0.75, seed=42) with its default filter_by='user' (the "
        f"published table's split; {split.train.nnz:,} train / {split.test.nnz:,} test rows), "
        "reproduced row for row by splits.stratified_split; top-10 from the items seen in "
        "training, excluding each user's training items; precision@10, recall@10, ndcg@10 "
        "(binary gains), map@10 (over min(|relevant|, 10)) and map (Recommenders' `map`, over "
        "|relevant|: the published MAP column) averaged over the users with test items. "
        "Every system, shopmind's and its peers', tuned on one validation split carved from "
        "train (the same stratified 75/25 split of the training rows, seed 42) over a small "
        "grid by ndcg@10, then refitted on all of train and scored once on test; 'settings' "
        "are the chosen values. Peers run in the same process on the same matrices, "
        f"{THREADS} threads (BPR on 1 thread: its Hogwild SGD is reproducible only there); "
        "implicit's models recommend from their stored user factors, shopmind's score from "
        "each user's history rows. Published rows are Recommenders' README table (their "
        f"runs, same dataset, split and k). Tuning and scoring took {tuning_minutes:.1f} min",
        "target": {
            "description": f"issue 3: best shopmind ndcg@10 >= {TARGET:.2f} ({best['system']} "
            f"{best['ndcg@10']:.4f})",
            "metric": "ndcg@10",
            "goal": TARGET,
            "best_shopmind_system": best["system"],
            "achieved": best["ndcg@10"],
            "met": bool(best["ndcg@10"] >= TARGET),
        },
        "results": results,
    }
