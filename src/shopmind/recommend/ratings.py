"""Explicit rating prediction: baselines, neighbourhood models and biased matrix factorisation.

Models fit on (user, item, rating) triples of dense indices and predict any (user, item) pairs.
An index outside the fitted range is unknown and its pair falls back to the model's baseline;
every prediction is clipped to the rating range seen in fit. Definitions follow Surprise
(Hug, 2020) so each model can be checked against it: `Baseline` is BaselineOnly (ALS),
`UserKNNRating` / `ItemKNNRating` are KNNWithMeans (``center="mean"``) and KNNBaseline
(``center="baseline"``), `BiasedMF` is SVD, `SVDpp` is SVDpp. `Blend` combines any of them
with weights learned on a validation slice of the training ratings.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Literal, Self

import numpy as np
import scipy.sparse as sp

__all__ = [
    "Baseline",
    "BiasedMF",
    "Blend",
    "ItemKNNRating",
    "RatingPredictor",
    "SVDpp",
    "UserKNNRating",
]

_BLOCK_CELLS = 2_000_000
"""Dense similarity cells computed at once."""


class RatingPredictor(ABC):
    """Predicts explicit ratings. Subclasses implement `_fit` and `_predict`; this class checks
    the input, marks unknown indices with -1 and clips predictions to the rating range."""

    n_users_: int
    n_items_: int
    rating_range_: tuple[float, float]

    def fit(
        self,
        users: np.ndarray,
        items: np.ndarray,
        ratings: np.ndarray,
        *,
        n_users: int,
        n_items: int,
    ) -> Self:
        """Learn from ratings[j] given by users[j] to items[j] (indices below n_users, n_items)."""
        users, items = _indices(users, n_users, "users"), _indices(items, n_items, "items")
        ratings = np.asarray(ratings, dtype=np.float64)
        if not len(users) == len(items) == len(ratings):
            raise ValueError("users, items and ratings must have the same length")
        if len(ratings) == 0 or not np.isfinite(ratings).all():
            raise ValueError("ratings must be finite and there must be at least one")
        if len(np.unique(users * n_items + items)) < len(users):
            raise ValueError("a (user, item) pair is rated more than once")
        self.n_users_, self.n_items_ = n_users, n_items
        self.rating_range_ = (float(ratings.min()), float(ratings.max()))
        self._fit(users, items, ratings)
        return self

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings for the pairs (users[j], items[j])."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        if users.shape != items.shape or users.ndim != 1:
            raise ValueError("users and items must be 1-d arrays of the same length")
        users = np.where((users >= 0) & (users < self.n_users_), users, -1)
        items = np.where((items >= 0) & (items < self.n_items_), items, -1)
        predictions: np.ndarray = np.clip(self._predict(users, items), *self.rating_range_)
        return predictions

    @abstractmethod
    def _fit(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        """Learn from checked arrays; n_users_, n_items_ and rating_range_ are set."""

    @abstractmethod
    def _predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Unclipped predictions; -1 marks an unknown user or item."""


def _indices(values: np.ndarray, size: int, name: str) -> np.ndarray:
    indices = np.asarray(values)
    if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-d array of integer indices")
    if len(indices) and (indices.min() < 0 or indices.max() >= size):
        raise ValueError(f"{name} must lie in [0, {size})")
    return indices.astype(np.int64)


def _gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index] with zeros where index is -1 (unknown)."""
    picked = values[np.maximum(index, 0)]
    known = (index >= 0).reshape((-1,) + (1,) * (values.ndim - 1))
    return np.where(known, picked, 0.0)


def _per_index_mean(index: np.ndarray, values: np.ndarray, size: int, damping: float) -> np.ndarray:
    """sum(values) / (damping + count) per index, zero where nothing is counted."""
    totals = np.bincount(index, weights=values, minlength=size)
    counts = np.bincount(index, minlength=size) + damping
    means: np.ndarray = np.divide(totals, counts, out=np.zeros(size), where=counts > 0)
    return means


class Baseline(RatingPredictor):
    """r(u,i) = mu + b_u + b_i, the biases fitted by alternating regularised least squares
    (Surprise's BaselineOnly with method 'als'); unknown users and items get a zero bias."""

    def __init__(self, *, reg_user: float = 15.0, reg_item: float = 10.0, n_epochs: int = 10):
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.n_epochs = n_epochs

    def _fit(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        self.global_mean_ = float(ratings.mean())
        self.user_bias_ = np.zeros(self.n_users_)
        self.item_bias_ = np.zeros(self.n_items_)
        centred = ratings - self.global_mean_
        for _ in range(self.n_epochs):
            self.item_bias_ = _per_index_mean(
                items, centred - self.user_bias_[users], self.n_items_, self.reg_item
            )
            self.user_bias_ = _per_index_mean(
                users, centred - self.item_bias_[items], self.n_users_, self.reg_user
            )

    def _predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        biases: np.ndarray = _gather(self.user_bias_, users) + _gather(self.item_bias_, items)
        return biases + self.global_mean_


def _csr(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]
) -> sp.csr_matrix:
    """A CSR matrix that keeps explicit zeros (a rating equal to its centre still counts)."""
    order = np.lexsort((cols, rows))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=shape[0]))])
    return sp.csr_matrix((values[order], cols[order], indptr), shape=shape)


def _dense(matrix: sp.sparray | sp.spmatrix) -> np.ndarray:
    return np.asarray(matrix.toarray(), dtype=np.float64)


def _similarities(
    ratings: sp.csr_matrix,
    residuals: sp.csr_matrix,
    similarity: Literal["pearson", "cosine"],
    center: Literal["mean", "baseline"],
    shrinkage: float,
) -> np.ndarray:
    """Dense (rows x rows) similarity of the rows of a rating matrix, zero on the diagonal.

    cosine: of the centred rows, over all columns (a missing rating counts as zero).
    pearson: over the co-rated columns only (at least two): Pearson's r of the ratings for
    center "mean" (Surprise's pearson), of the baseline residuals for "baseline" (Surprise's
    pearson_baseline). Shrinkage multiplies by (n - 1) / (n - 1 + shrinkage), n co-rated.
    """
    mask = ratings.copy()
    mask.data = np.ones_like(mask.data)
    squares = (ratings if center == "mean" else residuals).power(2)
    norms = np.sqrt(np.asarray(residuals.power(2).sum(axis=1)).ravel())
    n_rows = ratings.shape[0]
    result = np.zeros((n_rows, n_rows))
    step = max(1, _BLOCK_CELLS // max(n_rows, 1))
    for start in range(0, n_rows, step):
        block = slice(start, min(start + step, n_rows))
        support = _dense(mask[block] @ mask.T)
        if similarity == "cosine":
            dots = _dense(residuals[block] @ residuals.T)
            denominator = np.outer(norms[block], norms)
        elif center == "mean":
            sums_x, sums_y = _dense(ratings[block] @ mask.T), _dense(mask[block] @ ratings.T)
            spread_x = support * _dense(squares[block] @ mask.T) - sums_x**2
            spread_y = support * _dense(mask[block] @ squares.T) - sums_y**2
            dots = support * _dense(ratings[block] @ ratings.T) - sums_x * sums_y
            denominator = np.sqrt(np.maximum(spread_x, 0) * np.maximum(spread_y, 0))
        else:
            dots = _dense(residuals[block] @ residuals.T)
            denominator = np.sqrt(_dense(squares[block] @ mask.T) * _dense(mask[block] @ squares.T))
        if similarity == "pearson":
            denominator[support < 2] = 0.0
        sims = np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 0)
        if shrinkage > 0:
            extra = np.maximum(support - 1.0, 0.0)
            sims *= extra / (extra + shrinkage)
        result[block] = sims
    np.fill_diagonal(result, 0.0)
    return result


class _KNNRating(RatingPredictor):
    """Shared by the user- and item-based models; `_user_based` picks the orientation: the
    rows whose neighbours are used (users or items) and the columns they rate."""

    _user_based: ClassVar[bool]

    def __init__(
        self,
        k: int = 40,
        *,
        similarity: Literal["pearson", "cosine"] = "pearson",
        shrinkage: float = 0.0,
        center: Literal["mean", "baseline"] = "mean",
    ) -> None:
        self.k = k
        self.similarity = similarity
        self.shrinkage = shrinkage
        self.center = center

    def _orient(self, users: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (users, items) if self._user_based else (items, users)

    def _fit(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        if self.k < 1:
            raise ValueError(f"k must be at least 1, not {self.k}")
        if self.similarity not in ("pearson", "cosine") or self.center not in ("mean", "baseline"):
            raise ValueError(f"unknown similarity {self.similarity!r} or center {self.center!r}")
        self.baseline_ = Baseline().fit(
            users, items, ratings, n_users=self.n_users_, n_items=self.n_items_
        )
        rows, cols = self._orient(users, items)
        n_users, n_items = self.n_users_, self.n_items_
        shape = (n_users, n_items) if self._user_based else (n_items, n_users)
        self.row_counts_ = np.bincount(rows, minlength=shape[0])
        self.row_means_ = _per_index_mean(rows, ratings, shape[0], 0.0)
        if self.center == "mean":
            residuals = ratings - self.row_means_[rows]
        else:
            residuals = ratings - self.baseline_._predict(users, items)
        self.similarity_ = _similarities(
            _csr(rows, cols, ratings, shape),
            _csr(rows, cols, residuals, shape),
            self.similarity,
            self.center,
            self.shrinkage,
        )
        self.raters_ = _csr(cols, rows, residuals, (shape[1], shape[0]))

    def _predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        prediction = self.baseline_._predict(users, items)
        rows, cols = self._orient(users, items)
        known = (rows >= 0) & (self.row_counts_[np.maximum(rows, 0)] > 0)
        centre = self.row_means_[rows[known]] if self.center == "mean" else prediction[known]
        prediction[known] = centre + self._offsets(rows[known], cols[known])
        return prediction

    def _offsets(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Similarity-weighted mean residual of each row's k nearest neighbours (positive
        similarity only) that rated the column; zero where there are none."""
        offsets = np.zeros(len(rows))
        if len(rows) == 0:
            return offsets
        order = np.argsort(cols, kind="stable")
        columns, starts = np.unique(cols[order], return_index=True)
        raters = self.raters_
        for col, group in zip(columns, np.split(order, starts[1:]), strict=True):
            span = slice(raters.indptr[max(col, 0)], raters.indptr[max(col, 0) + 1])
            if col < 0 or span.start == span.stop:
                continue
            sims = self.similarity_[rows[group][:, None], raters.indices[span]]
            sims = np.maximum(sims, 0.0)
            residuals = np.broadcast_to(raters.data[span], sims.shape)
            if sims.shape[1] > self.k:
                nearest = np.argpartition(-sims, self.k - 1, axis=1)[:, : self.k]
                sims = np.take_along_axis(sims, nearest, axis=1)
                residuals = raters.data[span][nearest]
            weight = sims.sum(axis=1)
            offsets[group] = np.divide(
                (sims * residuals).sum(axis=1), weight, out=np.zeros(len(group)), where=weight > 0
            )
        return offsets


class UserKNNRating(_KNNRating):
    """User-based kNN: r(u,i) = c(u,i) + sum_v sim(u,v) (r(v,i) - c(v,i)) / sum_v |sim(u,v)|
    over the k users v most similar to u (positive similarity) who rated i.

    c is the user's mean rating (center "mean", Surprise's KNNWithMeans) or the baseline
    mu + b_u + b_i of `Baseline()` (center "baseline", Surprise's KNNBaseline). Without such
    neighbours the prediction is c(u,i); an unknown user, or one without ratings, gets the
    baseline. The similarity matrix is dense (users x users).
    """

    _user_based = True


class ItemKNNRating(_KNNRating):
    """Item-based kNN: r(u,i) = c(u,i) + sum_j sim(i,j) (r(u,j) - c(u,j)) / sum_j |sim(i,j)|
    over the k items j most similar to i (positive similarity) that u rated.

    c is the item's mean rating (center "mean") or the baseline (center "baseline"); fallbacks
    mirror `UserKNNRating`. The similarity matrix is dense (items x items). Cosine is the
    default here: on MovieLens it beats Pearson for items by far more than for users.
    """

    _user_based = False

    def __init__(
        self,
        k: int = 40,
        *,
        similarity: Literal["pearson", "cosine"] = "cosine",
        shrinkage: float = 0.0,
        center: Literal["mean", "baseline"] = "mean",
    ) -> None:
        super().__init__(k, similarity=similarity, shrinkage=shrinkage, center=center)


def _sgd_batches(users: np.ndarray, items: np.ndarray, order: np.ndarray) -> list[np.ndarray]:
    """Split `order` into batches in which no user and no item appears twice, each rating placed
    after every earlier rating of its user and of its item: updating batch after batch is
    exactly sequential SGD over `order`, with numpy doing each batch at once."""
    last_user = [0] * (int(users.max()) + 1)
    last_item = [0] * (int(items.max()) + 1)
    rounds = [0] * len(order)
    pairs = zip(users[order].tolist(), items[order].tolist(), strict=True)
    for j, (user, item) in enumerate(pairs):
        after_user, after_item = last_user[user], last_item[item]
        batch = (after_user if after_user > after_item else after_item) + 1
        last_user[user] = last_item[item] = rounds[j] = batch
    by_round = np.argsort(np.array(rounds), kind="stable")
    sizes = np.bincount(np.array(rounds))[1:]
    return np.split(order[by_round], np.cumsum(sizes)[:-1])


class BiasedMF(RatingPredictor):
    """r(u,i) = mu + b_u + b_i + p_u . q_i, fitted by SGD on the squared error with L2
    regularisation, as Surprise's SVD; unknown users and items get zero bias and factors.

    Each epoch visits the ratings in a fresh random order (Surprise keeps one fixed order);
    the updates are those of plain per-rating SGD, batched where they do not interact.
    """

    def __init__(
        self,
        n_factors: int = 100,
        *,
        n_epochs: int = 20,
        learning_rate: float = 0.005,
        regularization: float = 0.02,
        init_std: float = 0.1,
        random_state: int | None = 0,
    ) -> None:
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.init_std = init_std
        self.random_state = random_state

    def _fit(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        rng = np.random.default_rng(self.random_state)
        self.global_mean_ = float(ratings.mean())
        self.user_bias_ = np.zeros(self.n_users_)
        self.item_bias_ = np.zeros(self.n_items_)
        self.user_factors_ = rng.normal(0.0, self.init_std, (self.n_users_, self.n_factors))
        self.item_factors_ = rng.normal(0.0, self.init_std, (self.n_items_, self.n_factors))
        for _ in range(self.n_epochs):
            for batch in _sgd_batches(users, items, rng.permutation(len(ratings))):
                self._step(users[batch], items[batch], ratings[batch])
        # Customers and items without ratings keep no random factors: they fall back to biases.
        self.user_factors_[np.bincount(users, minlength=self.n_users_) == 0] = 0.0
        self.item_factors_[np.bincount(items, minlength=self.n_items_) == 0] = 0.0

    def _step(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        """One SGD update per rating; no user or item occurs twice."""
        rate, reg = self.learning_rate, self.regularization
        p, q = self.user_factors_[users], self.item_factors_[items]
        bu, bi = self.user_bias_[users], self.item_bias_[items]
        error = ratings - (self.global_mean_ + bu + bi + np.einsum("ij,ij->i", p, q))
        self.user_bias_[users] = bu + rate * (error - reg * bu)
        self.item_bias_[items] = bi + rate * (error - reg * bi)
        self.user_factors_[users] = p + rate * (error[:, None] * q - reg * p)
        self.item_factors_[items] = q + rate * (error[:, None] * p - reg * q)

    def _predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        p, q = _gather(self.user_factors_, users), _gather(self.item_factors_, items)
        biases = _gather(self.user_bias_, users) + _gather(self.item_bias_, items)
        prediction: np.ndarray = self.global_mean_ + biases + np.einsum("ij,ij->i", p, q)
        return prediction


class SVDpp(RatingPredictor):
    """SVD++ (Koren, 2008): r(u,i) = mu + b_u + b_i + q_i . (p_u + |N(u)|^-1/2 sum_{j in N(u)} y_j),
    N(u) the items u rated in fit: *which* items a customer rated is implicit feedback on top of
    the ratings themselves. Fitted by SGD on the squared error with L2 regularisation, with the
    updates of Surprise's SVDpp; unknown users and items get zero bias and factors.

    Per-rating SGD would move every y_j of the user's items for every rating. Instead each
    epoch's shuffled ratings are cut into `n_blocks` blocks: within a block the implicit sum
    z_u is carried per user and moved by exactly what the y_j updates of u's own ratings add to
    it (lr (e q_i - reg z_u)); the y_j themselves are updated once at the block's end with the
    summed gradients (and the decay) of the block's ratings. The other updates are batched as in
    `BiasedMF`, so a fit on 80,000 ratings takes seconds.
    """

    def __init__(
        self,
        n_factors: int = 20,
        *,
        n_epochs: int = 20,
        learning_rate: float = 0.007,
        regularization: float = 0.02,
        init_std: float = 0.1,
        n_blocks: int = 10,
        random_state: int | None = 0,
    ) -> None:
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.init_std = init_std
        self.n_blocks = n_blocks
        self.random_state = random_state

    def _fit(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        if self.n_blocks < 1:
            raise ValueError(f"n_blocks must be at least 1, not {self.n_blocks}")
        rng = np.random.default_rng(self.random_state)
        n_users, n_items, k = self.n_users_, self.n_items_, self.n_factors
        rate, reg = self.learning_rate, self.regularization
        self.global_mean_ = float(ratings.mean())
        self.user_bias_ = np.zeros(n_users)
        self.item_bias_ = np.zeros(n_items)
        self.user_factors_ = rng.normal(0.0, self.init_std, (n_users, k))
        self.item_factors_ = rng.normal(0.0, self.init_std, (n_items, k))
        self.implicit_factors_ = rng.normal(0.0, self.init_std, (n_items, k))
        user_counts = np.bincount(users, minlength=n_users)
        scale = 1.0 / np.sqrt(np.maximum(user_counts, 1))
        rated = _csr(users, items, np.ones(len(users)), (n_users, n_items))
        implicit = _csr(users, items, scale[users], (n_users, n_items))
        rated_t, implicit_t = rated.T.tocsr(), implicit.T.tocsr()
        for _ in range(self.n_epochs):
            for block in np.array_split(rng.permutation(len(ratings)), self.n_blocks):
                if len(block) == 0:
                    continue
                sums = np.asarray(implicit @ self.implicit_factors_)
                gradient = np.zeros((n_users, k))
                for batch in _sgd_batches(users, items, block):
                    self._step(users[batch], items[batch], ratings[batch], sums, gradient)
                # y_j decays once per rating in the block by a user who rated j.
                visits = rated_t @ np.bincount(users[block], minlength=n_users).astype(float)
                decay = (1.0 - rate * reg) ** np.asarray(visits)
                self.implicit_factors_ = self.implicit_factors_ * decay[
                    :, None
                ] + rate * np.asarray(implicit_t @ gradient)
        self.user_factors_[user_counts == 0] = 0.0
        self.item_factors_[np.bincount(items, minlength=n_items) == 0] = 0.0
        self.user_implicit_ = np.asarray(implicit @ self.implicit_factors_)

    def _step(
        self,
        users: np.ndarray,
        items: np.ndarray,
        ratings: np.ndarray,
        sums: np.ndarray,
        gradient: np.ndarray,
    ) -> None:
        """One SGD update per rating; no user or item occurs twice."""
        rate, reg = self.learning_rate, self.regularization
        p, q, z = self.user_factors_[users], self.item_factors_[items], sums[users]
        bu, bi = self.user_bias_[users], self.item_bias_[items]
        error = ratings - (self.global_mean_ + bu + bi + np.einsum("ij,ij->i", p + z, q))
        step = error[:, None] * q
        self.user_bias_[users] = bu + rate * (error - reg * bu)
        self.item_bias_[items] = bi + rate * (error - reg * bi)
        self.user_factors_[users] = p + rate * (step - reg * p)
        self.item_factors_[items] = q + rate * (error[:, None] * (p + z) - reg * q)
        sums[users] = z + rate * (step - reg * z)
        gradient[users] += step

    def _predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        p = _gather(self.user_factors_, users) + _gather(self.user_implicit_, users)
        q = _gather(self.item_factors_, items)
        biases = _gather(self.user_bias_, users) + _gather(self.item_bias_, items)
        prediction: np.ndarray = self.global_mean_ + biases + np.einsum("ij,ij->i", p, q)
        return prediction


class Blend(RatingPredictor):
    """A linear blend w_0 + sum_m w_m r_m(u,i) of fitted rating predictors.

    The weights are learned by least squares (a small ridge penalty on all but the intercept,
    on standardised columns) on a random `validation_fraction` of the training ratings, from
    copies of the components fitted on the rest; the components are then refitted on all the
    ratings and blended with those weights. The test data never enters the weights.

    With `support_features` the blend is feature-weighted (Sill et al., 2009): the columns also
    hold s, t and every r_m times s and times t, s = log(1 + ratings of the user) and
    t = log(1 + ratings of the item), so each weight may move with how much is known of the
    pair. While the weights are learned the counts are scaled to the full training set.
    """

    def __init__(
        self,
        components: Sequence[RatingPredictor],
        *,
        validation_fraction: float = 0.2,
        ridge: float = 1e-4,
        support_features: bool = False,
        random_state: int | None = 0,
    ) -> None:
        self.components = list(components)
        self.validation_fraction = validation_fraction
        self.ridge = ridge
        self.support_features = support_features
        self.random_state = random_state

    def _fit(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        if not self.components:
            raise ValueError("a blend needs at least one component")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ValueError("validation_fraction must lie strictly between 0 and 1")
        draws = np.random.default_rng(self.random_state).random(len(ratings))
        held = draws < self.validation_fraction
        if held.all() or not held.any():
            raise ValueError("too few ratings to hold out a validation slice")
        sizes = {"n_users": self.n_users_, "n_items": self.n_items_}
        fit, check = ~held, held
        columns = [
            copy.deepcopy(component)
            .fit(users[fit], items[fit], ratings[fit], **sizes)
            .predict(users[check], items[check])
            for component in self.components
        ]
        scale = len(ratings) / int(fit.sum())
        self._set_support(users[fit], items[fit], scale)
        design = self._design(users[check], items[check], columns)
        self.column_mean_ = design.mean(axis=0)
        self.column_std_ = np.where(design.std(axis=0) > 0, design.std(axis=0), 1.0)
        design = (design - self.column_mean_) / self.column_std_
        design = np.column_stack([np.ones(len(design)), design])
        penalty = self.ridge * len(design) * np.eye(design.shape[1])
        penalty[0, 0] = 0.0
        self.weights_ = np.linalg.solve(design.T @ design + penalty, design.T @ ratings[check])
        self._set_support(users, items, 1.0)
        self.components_ = [
            copy.deepcopy(component).fit(users, items, ratings, **sizes)
            for component in self.components
        ]

    def _set_support(self, users: np.ndarray, items: np.ndarray, scale: float) -> None:
        self.user_support_ = np.log1p(scale * np.bincount(users, minlength=self.n_users_))
        self.item_support_ = np.log1p(scale * np.bincount(items, minlength=self.n_items_))

    def _design(
        self, users: np.ndarray, items: np.ndarray, columns: list[np.ndarray]
    ) -> np.ndarray:
        if not self.support_features:
            return np.column_stack(columns)
        s, t = _gather(self.user_support_, users), _gather(self.item_support_, items)
        products = [column * support for column in columns for support in (s, t)]
        return np.column_stack([s, t, *columns, *products])

    def _predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        columns = [component.predict(users, items) for component in self.components_]
        design = (self._design(users, items, columns) - self.column_mean_) / self.column_std_
        prediction: np.ndarray = self.weights_[0] + design @ self.weights_[1:]
        return prediction
