"""Named model configurations: what `shopmind evaluate recommend` compares and what the
engine serves by default. Settings come from the benchmarks (see the README)."""

from __future__ import annotations

from collections.abc import Callable

from shopmind.recommend.base import Recommender
from shopmind.recommend.content import ContentRecommender
from shopmind.recommend.ease import EASE
from shopmind.recommend.factorization import ALS, BPR
from shopmind.recommend.graph import RP3beta
from shopmind.recommend.hybrid import Blend
from shopmind.recommend.neighbors import ItemKNN, UserKNN
from shopmind.recommend.popular import Popular
from shopmind.recommend.ratings import (
    BiasedMF,
    ItemKNNRating,
    RatingPredictor,
    SVDpp,
    UserKNNRating,
)
from shopmind.recommend.repeat import RepeatPurchase

__all__ = ["DEFAULT", "MODELS", "RATING_MODELS", "served_model"]


def served_model(content: bool = True) -> Recommender:
    """The default: EASE for taste, repeat purchase for consumables, and (when product texts
    are embedded) content similarity so that new products can be recommended too."""
    components: list[Recommender] = [EASE(lambda_=300.0), RepeatPurchase()]
    weights = [0.7, 0.3]
    if content:
        components.append(ContentRecommender())
        weights = [0.6, 0.25, 0.15]
    return Blend(components, weights)


MODELS: dict[str, Callable[[], Recommender]] = {
    "popular": Popular,
    "item-knn": lambda: ItemKNN(k=100, weighting="bm25"),
    "user-knn": lambda: UserKNN(k=100, weighting="bm25"),
    "ease": lambda: EASE(lambda_=300.0),
    "rp3beta": lambda: RP3beta(alpha=0.5, beta=0.6, top_k=200),
    "als": lambda: ALS(random_state=0),
    "bpr": lambda: BPR(random_state=0),
    "repeat": RepeatPurchase,
    "served": lambda: served_model(content=False),
}
"""Every family, with settings that did well in the benchmarks."""

DEFAULT = "served"

RATING_MODELS: dict[str, Callable[[], RatingPredictor]] = {
    "user-knn-rating": UserKNNRating,
    "item-knn-rating": lambda: ItemKNNRating(center="baseline"),
    "biased-mf": lambda: BiasedMF(),
    "svd++": lambda: SVDpp(),
}
