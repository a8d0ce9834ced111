"""EASE (Steck 2019): a linear item-item model with a closed form and a zero diagonal.

With G = XᵀX + λI and P = G⁻¹, the weights are B = I - P·diag(P)⁻¹, so a history row h scores
h·B = h - (h·P)·diag(P)⁻¹. P is found in whichever space is smaller: items (the primal, which
keeps B) or customers (the dual, by Woodbury: P = (I - Xᵀ(λI + XXᵀ)⁻¹X) / λ), so a catalogue
of tens of thousands of products bought by a few thousand customers fits in seconds.

`dropout` p > 0 gives EDLAE (Steck 2020, "Autoencoders that don't overfit towards the
identity", with the zero-diagonal constraint): the closed form of training on inputs with each
entry dropped with probability p, which is EASE with the per-item L2 strength
Λ_j = λ + p/(1-p)·G_jj (G = XᵀX), so popular items are regularised more. With S = (Λ/λ)^½, that
equals plain EASE fitted on the column-scaled input X·S⁻¹, with weights S⁻¹·B̃·S; both solvers
use this, so the dual keeps its Woodbury form.
"""

from __future__ import annotations

from typing import Literal, Self

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

from shopmind.recommend.base import Recommender, without_rows

__all__ = ["EASE"]

Solver = Literal["auto", "primal", "dual"]

_BLOCK_CELLS = 4_000_000
"""Dense cells held at once while the dual solve computes diag(P)."""


def _inverse_spd(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive-definite float64 matrix by Cholesky, in its storage."""
    # The transpose is the same matrix in Fortran order, so LAPACK works in place.
    factor, info = lapack.dpotrf(matrix.T, lower=True, overwrite_a=True, clean=False)
    if info == 0:
        inverse, info = lapack.dpotri(factor, lower=True, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError("the regularised Gram matrix is not positive definite")
    _mirror_lower(inverse)
    return np.asarray(inverse.T if inverse.flags.f_contiguous else inverse)


def _mirror_lower(matrix: np.ndarray, block: int = 512) -> None:
    """Copy the lower triangle onto the upper one, a band of rows at a time."""
    n = matrix.shape[0]
    for start in range(0, n, block):
        stop = min(start + block, n)
        square = matrix[start:stop, start:stop]
        square[...] = np.tril(square) + np.tril(square, -1).T
        matrix[start:stop, stop:] = matrix[stop:, start:stop].T


class EASE(Recommender):
    """Embarrassingly shallow autoencoder with L2 strength `lambda_` (the default is the one
    chosen on the MovieLens validation split; larger data sets take larger values).

    `solver="auto"` solves in item space when there are no more items than customers,
    else in customer space; both give the same scores. Only the primal keeps `weights_` (B).
    `dropout` > 0 is EDLAE's per-item strength λ + dropout/(1-dropout)·(XᵀX)_jj (0, the
    default, is plain EASE).
    """

    def __init__(
        self, *, lambda_: float = 500.0, solver: Solver = "auto", dropout: float = 0.0
    ) -> None:
        self.lambda_ = lambda_
        self.solver = solver
        self.dropout = dropout

    def fit(self, interactions: sp.csr_matrix, *, item_features: np.ndarray | None = None) -> Self:
        if self.lambda_ <= 0:
            raise ValueError("lambda_ must be positive")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        users, items = interactions.shape
        dual = self.solver == "dual" or (self.solver == "auto" and items > users)
        x = sp.csr_matrix(interactions, dtype=np.float64)
        self.n_items_ = items
        self.item_scale_: np.ndarray | None = None
        if self.dropout > 0:
            gram_diagonal = np.asarray(x.multiply(x).sum(axis=0)).ravel()
            extra = self.dropout / (1.0 - self.dropout) * gram_diagonal / self.lambda_
            scale = np.sqrt(1.0 + extra)
            x = sp.csr_matrix(x @ sp.diags(1.0 / scale))
            self.item_scale_ = scale
        if dual:
            self._fit_dual(x)
        else:
            self._fit_primal(x)
        return self

    def _fit_primal(self, x: sp.csr_matrix) -> None:
        gram = (x.T @ x).toarray()
        gram[np.diag_indices_from(gram)] += self.lambda_
        weights = _inverse_spd(gram)
        weights /= -np.diag(weights).copy()
        np.fill_diagonal(weights, 0.0)
        if self.item_scale_ is not None:
            weights *= self.item_scale_[None, :] / self.item_scale_[:, None]
        self.weights_: np.ndarray | None = weights.astype(np.float32)

    def _fit_dual(self, x: sp.csr_matrix) -> None:
        kernel = (x @ x.T).toarray()
        kernel[np.diag_indices_from(kernel)] += self.lambda_
        inverse = _inverse_spd(kernel)
        by_item = sp.csr_matrix(x.T)
        # diag(P)_j = (1 - x_jᵀ K⁻¹ x_j) / λ for the column x_j of item j, a block at a time.
        block = max(1, _BLOCK_CELLS // x.shape[0])
        quadratic = np.concatenate(
            [
                np.asarray(rows.multiply(rows @ inverse).sum(axis=1)).ravel()
                for rows in (by_item[s : s + block] for s in range(0, by_item.shape[0], block))
            ]
        )
        self.weights_ = None
        self.interactions_t_ = by_item.astype(np.float32)
        self.kernel_inverse_ = inverse.astype(np.float32)
        self.precision_diagonal_ = ((1.0 - quadratic) / self.lambda_).astype(np.float32)

    def forget(self, rows: np.ndarray) -> None:
        # The primal keeps only item x item weights; the dual keeps the customers themselves.
        if self.weights_ is not None:
            return
        rows = np.asarray(rows, dtype=np.int64)
        self.interactions_t_ = without_rows(sp.csr_matrix(self.interactions_t_.T), rows).T.tocsr()
        self.kernel_inverse_[rows, :] = 0.0
        self.kernel_inverse_[:, rows] = 0.0

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        h = sp.csr_matrix(history, dtype=np.float32)
        h.sum_duplicates()
        if self.weights_ is not None:
            return np.asarray(h @ self.weights_)
        if self.item_scale_ is not None:
            # h·B = ((h·S⁻¹)·B̃)·S with B̃ the plain EASE of the scaled input.
            h = sp.csr_matrix(h @ sp.diags((1.0 / self.item_scale_).astype(np.float32)))
            return self._score_dual(h) * self.item_scale_.astype(np.float32)
        return self._score_dual(h)

    def _score_dual(self, h: sp.csr_matrix) -> np.ndarray:
        # h·B = h - (h·P)/d with h·P = (h - h·XᵀK⁻¹X)/λ, d = diag(P): h·XᵀK⁻¹X/(λd) off h.
        through_users = np.asarray((h @ self.interactions_t_).toarray()) @ self.kernel_inverse_
        back = self.interactions_t_ @ np.ascontiguousarray(through_users.T)
        scale = 1.0 / (self.lambda_ * self.precision_diagonal_)
        scores = np.ascontiguousarray(np.asarray(back).T) * scale
        seen = h.tocoo()
        scores[seen.row, seen.col] += seen.data * (1.0 - scale[seen.col])
        return np.asarray(scores)
