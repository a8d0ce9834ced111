"""Neighbourhood models for implicit feedback: item-kNN and user-kNN.

Both weight the interaction matrix (none, TF-IDF or BM25, with implicit's formulas), compare
rows by cosine (optionally shrunk: dot / (|a| |b| + shrinkage)) or by plain dot product, and
keep the k most similar neighbours with a positive similarity. Scoring works from history
rows, so a new visitor's session is scored without refitting:

- ItemKNN: ``history @ S`` with S the sparse top-k item-item similarity (row i holds item i's
  neighbours), optionally with each row scaled to sum to one (Deshpande & Karypis, 2004).
- UserKNN: the history row's similarity to every training customer, its top k kept, then the
  similarity-weighted sum of those customers' interaction rows.
"""

from __future__ import annotations

from typing import Literal, Self

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Recommender, without_rows

__all__ = ["ItemKNN", "Similarity", "UserKNN", "Weighting", "corpus_statistics", "weigh"]

Weighting = Literal["none", "tfidf", "bm25"]
Similarity = Literal["cosine", "dot"]

_BLOCK_CELLS = 4_000_000
"""Dense similarity cells held at once while finding neighbours."""


def weigh(
    matrix: sp.csr_matrix,
    scheme: Weighting,
    *,
    idf: np.ndarray | None = None,
    average_length: float | None = None,
    k1: float = 1.2,
    b: float = 0.75,
) -> sp.csr_matrix:
    """Weigh a documents x terms matrix as implicit's tfidf_weight and bm25_weight do.

    The corpus statistics (inverse document frequency per term, average document length) come
    from `matrix` itself unless given, so rows unseen in training are weighed with the training
    statistics (see `corpus_statistics`).
    """
    result = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    if scheme == "none":
        return result
    if idf is None or average_length is None:
        idf, average_length = corpus_statistics(result)
    terms = result.indices
    if scheme == "tfidf":
        result.data = np.sqrt(result.data) * idf[terms]
        return result
    lengths = np.asarray(matrix.sum(axis=1)).ravel()
    norm = (1.0 - b) + b * lengths / average_length if average_length > 0 else np.ones_like(lengths)
    rows = np.repeat(np.arange(result.shape[0]), np.diff(result.indptr))
    result.data = result.data * (k1 + 1.0) / (k1 * norm[rows] + result.data) * idf[terms]
    return result


def corpus_statistics(matrix: sp.csr_matrix) -> tuple[np.ndarray, float]:
    """(idf per column, mean row sum): idf = log(rows) - log(1 + rows holding the column)."""
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    idf = np.log(max(matrix.shape[0], 1)) - np.log1p(frequency)
    return idf, float(np.asarray(matrix.sum(axis=1)).mean()) if matrix.shape[0] else 0.0


def _norms(matrix: sp.csr_matrix) -> np.ndarray:
    squares = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    return np.asarray(np.sqrt(squares))


def _nearest(
    left: sp.csr_matrix,
    right: sp.csr_matrix,
    right_norms: np.ndarray,
    k: int,
    similarity: Similarity,
    shrinkage: float,
    *,
    same: bool = False,
) -> sp.csr_matrix:
    """Sparse (left rows x right rows): each left row's k most similar right rows with a
    positive similarity, computed in dense blocks. `same` means left is right: a row is
    never its own neighbour."""
    left_norms = _norms(left)
    n_left, n_right = left.shape[0], right.shape[0]
    step = max(1, _BLOCK_CELLS // max(n_right, 1))
    blocks = [sp.csr_matrix((0, n_right))]
    for start in range(0, n_left, step):
        stop = min(start + step, n_left)
        block = np.asarray((left[start:stop] @ right.T).toarray())
        if similarity == "cosine":
            denominator = np.outer(left_norms[start:stop], right_norms) + shrinkage
            block = np.divide(block, denominator, out=np.zeros_like(block), where=denominator > 0)
        if same:
            block[np.arange(stop - start), np.arange(start, stop)] = 0.0
        blocks.append(_top_k(block, k))
    return sp.csr_matrix(sp.vstack(blocks, format="csr"))


def _top_k(block: np.ndarray, k: int) -> sp.csr_matrix:
    """Each row's k largest positive entries, as a sparse matrix of the block's shape."""
    n_rows, n_cols = block.shape
    k = min(k, n_cols)
    if k < n_cols:
        columns = np.argpartition(-block, k - 1, axis=1)[:, :k]
    else:
        columns = np.broadcast_to(np.arange(n_cols), block.shape)
    values = np.take_along_axis(block, columns, axis=1).ravel()
    rows = np.repeat(np.arange(n_rows), k)
    keep = values > 0
    return sp.csr_matrix(
        (values[keep], (rows[keep], columns.ravel()[keep])), shape=(n_rows, n_cols)
    )


class _KNN(Recommender):
    def __init__(
        self,
        k: int = 100,
        *,
        weighting: Weighting = "none",
        k1: float = 1.2,
        b: float = 0.75,
        similarity: Similarity = "cosine",
        shrinkage: float = 0.0,
    ) -> None:
        self.k = k
        self.weighting = weighting
        self.k1 = k1
        self.b = b
        self.similarity = similarity
        self.shrinkage = shrinkage

    def _check(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be at least 1, not {self.k}")
        if self.weighting not in ("none", "tfidf", "bm25"):
            raise ValueError(f"unknown weighting {self.weighting!r}")
        if self.similarity not in ("cosine", "dot"):
            raise ValueError(f"unknown similarity {self.similarity!r}")
        if self.shrinkage < 0:
            raise ValueError("shrinkage must not be negative")


class ItemKNN(_KNN):
    """Item-based kNN: scores = history @ S, S the top-k item-item similarity.

    The weighting treats items as documents and customers as terms (as implicit's
    BM25Recommender does). `normalize` scales each item's neighbour similarities to sum to one,
    so a history item votes with weight one however similar its neighbours are.
    """

    def __init__(
        self,
        k: int = 100,
        *,
        weighting: Weighting = "none",
        k1: float = 1.2,
        b: float = 0.75,
        similarity: Similarity = "cosine",
        shrinkage: float = 0.0,
        normalize: bool = False,
    ) -> None:
        super().__init__(
            k, weighting=weighting, k1=k1, b=b, similarity=similarity, shrinkage=shrinkage
        )
        self.normalize = normalize

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        self._check()
        items = weigh(sp.csr_matrix(interactions.T), self.weighting, k1=self.k1, b=self.b)
        similarity = _nearest(
            items, items, _norms(items), self.k, self.similarity, self.shrinkage, same=True
        )
        if self.normalize:
            totals = np.asarray(similarity.sum(axis=1)).ravel()
            scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
            similarity = sp.csr_matrix(sp.diags(scale) @ similarity)
        self.n_items_ = items.shape[0]
        self.similarity_ = similarity
        return self

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray((sp.csr_matrix(history, dtype=np.float64) @ self.similarity_).toarray())


class UserKNN(_KNN):
    """User-based kNN: a history row's top-k most similar training customers, then the
    similarity-weighted sum of their interaction rows.

    The weighting treats customers as documents and items as terms; a new history row is
    weighed with the training statistics. A training customer's own row scores itself as its
    nearest neighbour (only its seen items gain from that).
    """

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        self._check()
        matrix = sp.csr_matrix(interactions, dtype=np.float64)
        self.idf_, self.average_length_ = corpus_statistics(matrix)
        self.users_ = self._weigh(matrix)
        self.user_norms_ = _norms(self.users_)
        self.interactions_ = matrix
        self.n_items_ = matrix.shape[1]
        return self

    def forget(self, rows: np.ndarray) -> None:
        # The corpus statistics (idf, mean length) are aggregates and stay.
        self.users_ = without_rows(self.users_, rows)
        self.user_norms_ = _norms(self.users_)
        self.interactions_ = without_rows(self.interactions_, rows)

    def _weigh(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        return weigh(
            matrix,
            self.weighting,
            idf=self.idf_,
            average_length=self.average_length_,
            k1=self.k1,
            b=self.b,
        )

    def neighbors(self, history: sp.csr_matrix) -> sp.csr_matrix:
        """Sparse (rows x training customers): each row's top-k similarities."""
        rows = self._weigh(sp.csr_matrix(history, dtype=np.float64))
        return _nearest(
            rows, self.users_, self.user_norms_, self.k, self.similarity, self.shrinkage
        )

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray((self.neighbors(history) @ self.interactions_).toarray())
