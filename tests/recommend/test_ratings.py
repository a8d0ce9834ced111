"""Explicit rating prediction: hand-computed neighbourhood predictions, a loop-by-loop reference
for every setting, fallbacks, planted biases, and scikit-surprise as the reference on
MovieLens."""

from __future__ import annotations

import math
import pickle
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest

from shopmind.data import datasets
from shopmind.recommend.ratings import (
    Baseline,
    BiasedMF,
    Blend,
    ItemKNNRating,
    RatingPredictor,
    SVDpp,
    UserKNNRating,
)

# -- a matrix small enough to do by hand -------------------------------------------------------

NAN = math.nan
TINY = np.array(
    [
        #  i0   i1   i2   i3   i4
        [5.0, 3.0, 4.0, NAN, 1.0],  # u0, mean 13/4
        [4.0, 2.0, NAN, 3.0, 2.0],  # u1, mean 11/4
        [1.0, 5.0, 2.0, 2.0, NAN],  # u2, mean 10/4
        [NAN, 3.0, 5.0, 5.0, 1.0],  # u3, mean 14/4
    ]
)


def _triples(dense: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    users, items = np.nonzero(~np.isnan(dense))
    return users, items, dense[users, items]


def _fit(model: RatingPredictor, dense: np.ndarray = TINY) -> RatingPredictor:
    return model.fit(*_triples(dense), n_users=dense.shape[0], n_items=dense.shape[1])


def _one(model: RatingPredictor, user: int, item: int) -> float:
    return float(model.predict(np.array([user]), np.array([item]))[0])


# Pearson over co-rated items, by hand:
# u0-u1 on i0, i1, i4: (5, 3, 1) - 3 = (2, 0, -2); (4, 2, 2) - 8/3 = (4/3, -2/3, -2/3);
#   r = 4 / (sqrt 8 sqrt(24/9)) = sqrt(3) / 2.
# u0-u3 on i1, i2, i4: (3, 4, 1) - 8/3 = (1/3, 4/3, -5/3); (3, 5, 1) - 3 = (0, 2, -2);
#   r = 6 / (sqrt(42/9) sqrt 8) = 9 / sqrt 84.
# u0-u2 on i0, i1, i2: (1, -1, 0) against (-5/3, 7/3, -2/3): the numerator is -4 < 0.
PEARSON_01 = math.sqrt(3) / 2
PEARSON_03 = 9 / math.sqrt(84)


def test_user_knn_pearson_by_hand() -> None:
    # i3 is rated by u1 (3), u2 (2), u3 (5); u2 is negatively correlated, so never used.
    nearest = _fit(UserKNNRating(k=1))
    assert _one(nearest, 0, 3) == pytest.approx(13 / 4 + (5 - 14 / 4))
    both = _fit(UserKNNRating(k=2))
    expected = 13 / 4 + (PEARSON_03 * (5 - 14 / 4) + PEARSON_01 * (3 - 11 / 4)) / (
        PEARSON_03 + PEARSON_01
    )
    assert _one(both, 0, 3) == pytest.approx(expected)
    assert _one(_fit(UserKNNRating(k=40)), 0, 3) == pytest.approx(expected)


def test_user_knn_cosine_by_hand() -> None:
    # Mean-centred rows (missing = 0): u0 (1.75, -0.25, 0.75, 0, -2.25), |u0|^2 = 8.75;
    # u1 (1.25, -0.75, 0, 0.25, -0.75), |u1|^2 = 2.75; u3 (0, -0.5, 1.5, 1.5, -2.5), |u3|^2 = 11.
    cos_01 = 4.0625 / math.sqrt(8.75 * 2.75)
    cos_03 = 6.875 / math.sqrt(8.75 * 11)
    nearest = _fit(UserKNNRating(k=1, similarity="cosine"))
    assert _one(nearest, 0, 3) == pytest.approx(13 / 4 + (3 - 11 / 4))
    both = _fit(UserKNNRating(k=2, similarity="cosine"))
    expected = 13 / 4 + (cos_01 * (3 - 11 / 4) + cos_03 * (5 - 14 / 4)) / (cos_01 + cos_03)
    assert _one(both, 0, 3) == pytest.approx(expected)


def test_item_knn_pearson_by_hand() -> None:
    # u0 rated i0 (5), i1 (3), i2 (4), i4 (1). Against i3 (mean 10/3): i0 on u1, u2 is (4, 1)
    # vs (3, 2), r = 1; i2 on u2, u3 is (2, 5) vs (2, 5), r = 1; i1 on u1, u2, u3 is -1/2;
    # i4 on u1, u3 is -1. Item means: i0 10/3, i2 11/3.
    model = _fit(ItemKNNRating(k=40, similarity="pearson"))
    assert _one(model, 0, 3) == pytest.approx(10 / 3 + ((5 - 10 / 3) + (4 - 11 / 3)) / 2)


def test_shrinkage_scales_by_support() -> None:
    # u0 and u1 share 3 items: (n - 1) / (n - 1 + shrinkage) = 2 / 12.
    model = _fit(UserKNNRating(shrinkage=10.0))
    assert isinstance(model, UserKNNRating)
    assert model.similarity_[0, 1] == pytest.approx(PEARSON_01 * 2 / 12)
    assert model.similarity_[0, 0] == 0.0


def test_baseline_by_hand() -> None:
    # mu = 11/3. One ALS epoch with both regularisations 1:
    # b_i0 = ((4 - mu) + (5 - mu)) / (1 + 2) = 5/9, b_i1 = (2 - mu) / (1 + 1) = -5/6,
    # b_u1 = (5 - mu - 5/9) / (1 + 1) = 7/18.
    model = Baseline(reg_user=1.0, reg_item=1.0, n_epochs=1).fit(
        np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([4.0, 2.0, 5.0]), n_users=2, n_items=2
    )
    assert _one(model, 1, 1) == pytest.approx(11 / 3 + 7 / 18 - 5 / 6)
    assert _one(model, 5, 0) == pytest.approx(11 / 3 + 5 / 9)  # unknown user: mu + b_i


# -- every setting against a loop-by-loop reference ---------------------------------------------


def _reference(model: Any, dense: np.ndarray, user: int, item: int) -> float:
    """The neighbourhood formula written out with loops, for one (user, item)."""
    rated = ~np.isnan(dense)
    if model.center == "mean":
        row_means = np.nanmean(dense, axis=1) if model._user_based else np.nanmean(dense, axis=0)
    baseline = model.baseline_

    def centre(u: int, i: int) -> float:
        if model.center == "baseline":
            return float(baseline.global_mean_ + baseline.user_bias_[u] + baseline.item_bias_[i])
        return float(row_means[u] if model._user_based else row_means[i])

    residual = np.where(
        rated,
        dense
        - np.array([[centre(u, i) for i in range(dense.shape[1])] for u in range(len(dense))]),
        0.0,
    )
    # Orient so that rows are the neighbours (users or items).
    ratings, residuals, mask = (
        (dense, residual, rated) if model._user_based else (dense.T, residual.T, rated.T)
    )
    x, y = (user, item) if model._user_based else (item, user)

    def similarity(a: int, b: int) -> float:
        common = mask[a] & mask[b]
        n = int(common.sum())
        if model.similarity == "cosine":
            norm = math.sqrt((residuals[a] ** 2).sum() * (residuals[b] ** 2).sum())
            value = (residuals[a] * residuals[b]).sum() / norm if norm else 0.0
        else:
            if n < 2:
                return 0.0
            if model.center == "mean":
                ea = ratings[a, common] - ratings[a, common].mean()
                eb = ratings[b, common] - ratings[b, common].mean()
            else:
                ea, eb = residuals[a, common], residuals[b, common]
            norm = math.sqrt((ea**2).sum() * (eb**2).sum())
            value = (ea * eb).sum() / norm if norm else 0.0
        if model.shrinkage:
            value *= max(n - 1, 0) / (max(n - 1, 0) + model.shrinkage)
        return value

    raters = np.flatnonzero(mask[:, y]).tolist()
    candidates = [(similarity(x, v), residuals[v, y]) for v in raters if v != x]
    chosen = sorted((c for c in candidates if c[0] > 0), reverse=True)[: model.k]
    weight = sum(s for s, _ in chosen)
    offset = sum(s * e for s, e in chosen) / weight if weight else 0.0
    return float(np.clip(centre(user, item) + offset, np.nanmin(dense), np.nanmax(dense)))


@pytest.mark.parametrize("kind", [UserKNNRating, ItemKNNRating])
@pytest.mark.parametrize("similarity", ["pearson", "cosine"])
@pytest.mark.parametrize(
    ("center", "shrinkage"), [("mean", 0.0), ("baseline", 0.0), ("baseline", 5.0)]
)
def test_knn_matches_the_loop_reference(
    kind: type[UserKNNRating | ItemKNNRating],
    similarity: Literal["pearson", "cosine"],
    center: Literal["mean", "baseline"],
    shrinkage: float,
) -> None:
    rng = np.random.default_rng(7)
    dense = np.where(rng.random((14, 11)) < 0.55, rng.uniform(1, 5, (14, 11)), np.nan)
    model = _fit(kind(3, similarity=similarity, shrinkage=shrinkage, center=center), dense)
    users, items = np.indices(dense.shape).reshape(2, -1)
    expected = [_reference(model, dense, u, i) for u, i in zip(users, items, strict=True)]
    np.testing.assert_allclose(model.predict(users, items), expected, rtol=1e-10)


# -- fallbacks, clipping, checks, pickling ------------------------------------------------------


COLD = np.vstack([TINY, np.full(5, NAN)])
"""TINY plus u4, a customer with no ratings; ids 9 (user) and 7 (item) are unknown."""


def test_knn_falls_back_to_means_and_baselines() -> None:
    baseline = _fit(Baseline(), COLD)
    user_knn, item_knn = _fit(UserKNNRating(), COLD), _fit(ItemKNNRating(), COLD)
    for user, item in [(4, 1), (9, 1), (9, 7), (-1, 2)]:  # no ratings of the user to go on
        assert _one(user_knn, user, item) == pytest.approx(_one(baseline, user, item))
    assert _one(user_knn, 0, 7) == pytest.approx(13 / 4)  # nobody rated it: the user's mean
    for user, item in [(0, 7), (9, 7), (4, -3)]:  # no ratings of the item to go on
        assert _one(item_knn, user, item) == pytest.approx(_one(baseline, user, item))
    assert _one(item_knn, 9, 1) == pytest.approx(13 / 4)  # the item's mean
    assert _one(baseline, 9, 7) == pytest.approx(np.nanmean(TINY))


def test_biased_mf_falls_back_to_its_biases() -> None:
    model = _fit(BiasedMF(4), COLD)
    assert isinstance(model, BiasedMF)
    mu, user_bias, item_bias = model.global_mean_, model.user_bias_, model.item_bias_
    assert _one(model, 9, 1) == pytest.approx(mu + item_bias[1])
    assert _one(model, 4, 1) == pytest.approx(mu + item_bias[1])  # cold: no factors either
    assert _one(model, 0, 7) == pytest.approx(mu + user_bias[0])
    assert _one(model, 9, 7) == pytest.approx(mu)


def test_predictions_stay_in_the_rating_range() -> None:
    rng = np.random.default_rng(0)
    dense = np.where(rng.random((30, 20)) < 0.5, rng.integers(1, 6, (30, 20)), np.nan)
    users, items = np.indices((40, 25)).reshape(2, -1)  # unknown ids too
    for model in (
        UserKNNRating(),
        ItemKNNRating(center="baseline"),
        BiasedMF(8),
        Baseline(),
        SVDpp(4),
        Blend([Baseline(), BiasedMF(4)], support_features=True),
    ):
        predictions = _fit(model, dense).predict(users, items)
        assert np.isfinite(predictions).all()
        assert predictions.min() >= 1.0 and predictions.max() <= 5.0


@pytest.mark.parametrize(
    "model",
    [
        Baseline(),
        UserKNNRating(),
        ItemKNNRating(center="baseline"),
        BiasedMF(4),
        SVDpp(4),
        Blend([Baseline(), BiasedMF(4)], validation_fraction=0.3),
        Blend([Baseline(), SVDpp(4)], validation_fraction=0.3, support_features=True),
    ],
)
def test_pickle_round_trip(model: RatingPredictor) -> None:
    _fit(model)
    restored = pickle.loads(pickle.dumps(model))
    users, items = np.indices(TINY.shape).reshape(2, -1)
    np.testing.assert_array_equal(restored.predict(users, items), model.predict(users, items))


def test_bad_input_is_refused() -> None:
    users, items, ratings = _triples(TINY)
    with pytest.raises(ValueError, match="lie in"):
        Baseline().fit(users, items, ratings, n_users=3, n_items=5)
    with pytest.raises(ValueError, match="same length"):
        Baseline().fit(users, items[:-1], ratings, n_users=4, n_items=5)
    with pytest.raises(ValueError, match="more than once"):
        Baseline().fit(users[[0, 0]], items[[0, 0]], ratings[:2], n_users=4, n_items=5)
    with pytest.raises(ValueError, match="integer"):
        Baseline().fit(users.astype(float), items, ratings, n_users=4, n_items=5)
    with pytest.raises(ValueError, match="k must"):
        _fit(UserKNNRating(k=0))
    with pytest.raises(ValueError, match="at least one component"):
        _fit(Blend([]))
    with pytest.raises(ValueError, match="validation_fraction"):
        _fit(Blend([Baseline()], validation_fraction=1.0))
    with pytest.raises(ValueError, match="n_blocks"):
        _fit(SVDpp(n_blocks=0))


# -- biased matrix factorisation ----------------------------------------------------------------


def test_biased_mf_is_sequential_sgd() -> None:
    """Batching only regroups updates that touch different users and items: the result is
    plain SGD over the same shuffled order."""
    users, items, ratings = _triples(TINY)
    model = BiasedMF(3, n_epochs=3, learning_rate=0.05, regularization=0.1, random_state=5)
    _fit(model)
    rng = np.random.default_rng(5)
    mu = ratings.mean()
    p, q = rng.normal(0, 0.1, (4, 3)), rng.normal(0, 0.1, (5, 3))
    bu, bi = np.zeros(4), np.zeros(5)
    for _ in range(3):
        for j in rng.permutation(len(ratings)):
            u, i = users[j], items[j]
            error = ratings[j] - (mu + bu[u] + bi[i] + p[u] @ q[i])
            bu[u] += 0.05 * (error - 0.1 * bu[u])
            bi[i] += 0.05 * (error - 0.1 * bi[i])
            p[u], q[i] = (
                p[u] + 0.05 * (error * q[i] - 0.1 * p[u]),
                q[i] + 0.05 * (error * p[u] - 0.1 * q[i]),
            )
    np.testing.assert_allclose(model.user_factors_, p, rtol=1e-12)
    np.testing.assert_allclose(model.item_factors_, q, rtol=1e-12)
    np.testing.assert_allclose(model.user_bias_, bu, rtol=1e-12)
    np.testing.assert_allclose(model.item_bias_, bi, rtol=1e-12)


def planted_ratings() -> tuple[np.ndarray, ...]:
    """Ratings = 3.5 + user bias + item bias + a rank-2 taste + noise (sd 0.1), 40% observed;
    returns users, items, ratings, a train mask (80%), and the planted user and item biases."""
    rng = np.random.default_rng(11)
    n_users, n_items = 200, 120
    user_bias, item_bias = rng.normal(0, 0.5, n_users), rng.normal(0, 0.5, n_items)
    taste = rng.normal(0, 0.5, (n_users, 2)) @ rng.normal(0, 0.5, (2, n_items))
    truth = 3.5 + user_bias[:, None] + item_bias[None, :] + taste
    users, items = np.nonzero(rng.random((n_users, n_items)) < 0.4)
    ratings = truth[users, items] + rng.normal(0, 0.1, len(users))
    train = rng.random(len(users)) < 0.8
    return users, items, ratings, train, user_bias, item_bias


def test_biased_mf_recovers_planted_biases() -> None:
    """Ratings = 3.5 + user bias + item bias + a rank-2 taste + noise (sd 0.1)."""
    users, items, ratings, train, user_bias, item_bias = planted_ratings()
    fit_args: dict[str, Any] = {"n_users": len(user_bias), "n_items": len(item_bias)}
    model = BiasedMF(8, n_epochs=60, learning_rate=0.01, regularization=0.02).fit(
        users[train], items[train], ratings[train], **fit_args
    )
    baseline = Baseline().fit(users[train], items[train], ratings[train], **fit_args)

    def rmse(predictor: RatingPredictor) -> float:
        error = predictor.predict(users[~train], items[~train]) - ratings[~train]
        return float(np.sqrt(np.mean(error**2)))

    # Biases are identified up to a constant moved between users and items.
    for fitted, planted in [(model.user_bias_, user_bias), (model.item_bias_, item_bias)]:
        assert np.corrcoef(fitted, planted)[0, 1] > 0.95
    assert model.global_mean_ == pytest.approx(ratings[train].mean())
    # The rank-2 taste (sd about 0.35) is what the factors add over the biases.
    global_mean = float(np.sqrt(np.mean((ratings[~train] - ratings[train].mean()) ** 2)))
    assert rmse(baseline) < 0.6 * global_mean
    assert rmse(model) < 0.6 * rmse(baseline)


# -- SVD++ ----------------------------------------------------------------------------------------


def test_svdpp_falls_back_to_its_biases() -> None:
    model = _fit(SVDpp(4), COLD)
    assert isinstance(model, SVDpp)
    mu, user_bias, item_bias = model.global_mean_, model.user_bias_, model.item_bias_
    assert _one(model, 9, 1) == pytest.approx(mu + item_bias[1])
    assert _one(model, 4, 1) == pytest.approx(mu + item_bias[1])  # cold: no implicit sum either
    assert _one(model, 0, 7) == pytest.approx(mu + user_bias[0])
    assert _one(model, 9, 7) == pytest.approx(mu)


def test_svdpp_recovers_planted_biases() -> None:
    """The planted data of the BiasedMF test: biases plus a rank-2 taste plus noise."""
    users, items, ratings, train, user_bias, item_bias = planted_ratings()
    fit_args: dict[str, Any] = {"n_users": len(user_bias), "n_items": len(item_bias)}
    model = SVDpp(8, n_epochs=60, learning_rate=0.01, regularization=0.02).fit(
        users[train], items[train], ratings[train], **fit_args
    )
    baseline = Baseline().fit(users[train], items[train], ratings[train], **fit_args)
    for fitted, planted in [(model.user_bias_, user_bias), (model.item_bias_, item_bias)]:
        assert np.corrcoef(fitted, planted)[0, 1] > 0.95
    assert model.global_mean_ == pytest.approx(ratings[train].mean())

    def rmse(predictor: RatingPredictor) -> float:
        error = predictor.predict(users[~train], items[~train]) - ratings[~train]
        return float(np.sqrt(np.mean(error**2)))

    assert rmse(model) < 0.6 * rmse(baseline)


def test_svdpp_learns_from_which_items_were_rated() -> None:
    """Customers of two kinds rate 30 'signal' items kind * loading apart, and rate from one of
    two groups of otherwise uninformative items according to their kind. With few signal
    ratings in training, only *which* group a customer rated tells their kind: SVD++ predicts
    the held-out signal ratings far better than BiasedMF, which cannot see it."""
    rng = np.random.default_rng(3)
    n_users, n_signal, n_group = 400, 30, 60
    kind = rng.choice([-1.0, 1.0], n_users)
    loading = rng.choice([-1.0, 1.0], n_signal)
    n_items = n_signal + 2 * n_group
    truth = 3.0 + np.tile(rng.normal(0, 0.3, n_items), (n_users, 1))
    truth[:, :n_signal] += kind[:, None] * loading[None, :]
    rated = np.zeros((n_users, n_items), dtype=bool)
    rated[:, :n_signal] = rng.random((n_users, n_signal)) < 0.15
    group = np.where(kind[:, None] > 0, 0, n_group) + n_signal + np.arange(n_group)[None, :]
    picked = rng.random((n_users, n_group)) < 0.3
    rated[np.nonzero(picked)[0], group[picked]] = True
    users, items = np.nonzero(rated)
    ratings = truth[users, items] + rng.normal(0, 0.2, len(users))
    test = (items < n_signal) & (rng.random(len(users)) < 0.7)
    fit_args: dict[str, Any] = {"n_users": n_users, "n_items": n_items}
    settings: dict[str, Any] = {"n_epochs": 40, "learning_rate": 0.01, "regularization": 0.05}

    def rmse(predictor: RatingPredictor) -> float:
        predictor.fit(users[~test], items[~test], ratings[~test], **fit_args)
        error = predictor.predict(users[test], items[test]) - ratings[test]
        return float(np.sqrt(np.mean(error**2)))

    mf, svdpp = rmse(BiasedMF(4, **settings)), rmse(SVDpp(4, **settings))
    assert mf > 0.9  # about the spread of kind * loading: MF has not found the kinds
    assert svdpp < 0.6 * mf


# -- blends ---------------------------------------------------------------------------------------


class _Known(RatingPredictor):
    """Predicts a fixed matrix (the truth, or noise); fitting learns nothing."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = table

    def _fit(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
        pass

    def _predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        values: np.ndarray = self.table[np.maximum(users, 0), np.maximum(items, 0)]
        return values


@pytest.mark.parametrize("support_features", [False, True])
def test_blend_keeps_the_good_component_and_drops_noise(support_features: bool) -> None:
    rng = np.random.default_rng(4)
    truth = rng.uniform(1.5, 4.5, (60, 40))
    noise, other_noise = rng.uniform(1.0, 5.0, (2, *truth.shape))
    users, items = np.nonzero(rng.random(truth.shape) < 0.5)
    ratings = truth[users, items] + rng.normal(0, 0.05, len(users))
    blend = Blend(
        [_Known(noise), _Known(truth), _Known(other_noise)],
        support_features=support_features,
    ).fit(users, items, ratings, n_users=60, n_items=40)
    every_user, every_item = np.indices(truth.shape).reshape(2, -1)
    error = blend.predict(every_user, every_item) - truth[every_user, every_item]
    assert np.sqrt(np.mean(error**2)) < 0.02 and np.abs(error).max() < 0.1
    if not support_features:
        raw = blend.weights_[1:] / blend.column_std_
        np.testing.assert_allclose(raw, [0.0, 1.0, 0.0], atol=0.02)


def test_blend_of_one_component_recalibrates_it() -> None:
    """The components are refitted on all the ratings (copies: the prototypes stay unfitted),
    and a blend of one is that component up to the linear map learned on the hold-out."""
    users, items, ratings = _triples(TINY)
    blend = Blend([Baseline()], validation_fraction=0.4).fit(
        users, items, ratings, n_users=4, n_items=5
    )
    assert isinstance(blend.components_[0], Baseline)
    assert blend.components[0] is not blend.components_[0]
    single = _fit(Baseline())
    every_user, every_item = np.indices(TINY.shape).reshape(2, -1)
    raw = single.predict(every_user, every_item)
    slope = blend.weights_[1] / blend.column_std_[0]
    expected = blend.weights_[0] + slope * (raw - blend.column_mean_[0])
    np.testing.assert_allclose(
        blend.predict(every_user, every_item), np.clip(expected, 1.0, 5.0), rtol=1e-12
    )


# -- scikit-surprise on MovieLens fold 1 --------------------------------------------------------


@pytest.fixture(scope="module")
def fold() -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        return datasets.movielens_100k_fold(1)
    except datasets.DatasetMissing as missing:
        pytest.skip(f"MovieLens 100K is not available: {missing}")


def _shopmind(model: RatingPredictor, train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    users = pd.Index(sorted(set(train["user_id"])))
    items = pd.Index(sorted(set(train["item_id"])))
    model.fit(
        users.get_indexer(train["user_id"]),
        items.get_indexer(train["item_id"]),
        train["rating"].to_numpy(np.float64),
        n_users=len(users),
        n_items=len(items),
    )
    return model.predict(users.get_indexer(test["user_id"]), items.get_indexer(test["item_id"]))


def _surprise(algorithm: Any, train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    surprise = pytest.importorskip("surprise")
    reader = surprise.Reader(rating_scale=(1, 5))
    columns = ["user_id", "item_id", "rating"]
    trainset = surprise.Dataset.load_from_df(train[columns], reader).build_full_trainset()
    algorithm.fit(trainset)
    pairs = test[columns].itertuples(index=False, name=None)
    return np.array([algorithm.predict(u, i, r).est for u, i, r in pairs])


def _rmse(predictions: np.ndarray, truth: pd.Series[Any]) -> float:
    return float(np.sqrt(np.mean((predictions - truth.to_numpy()) ** 2)))


@pytest.mark.datasets
@pytest.mark.parametrize(
    ("ours", "reference"),
    [
        # Surprise's KNNWithMeans is the same mean-centred formula and the same Pearson.
        (UserKNNRating(40), ("KNNWithMeans", {"name": "pearson", "user_based": True})),
        (
            ItemKNNRating(40, similarity="pearson", center="baseline", shrinkage=100),
            ("KNNBaseline", {"name": "pearson_baseline", "user_based": False}),
        ),
    ],
)
def test_knn_matches_surprise_on_movielens(
    fold: tuple[pd.DataFrame, pd.DataFrame], ours: RatingPredictor, reference: tuple[str, Any]
) -> None:
    surprise = pytest.importorskip("surprise")
    train, test = fold
    name, options = reference
    theirs = _surprise(getattr(surprise, name)(k=40, sim_options=options, verbose=False), *fold)
    mine = _shopmind(ours, train, test)
    # Surprise answers pairs with an item unseen in training by the global mean, shopmind by
    # its fallback; the rest differ only where neighbours tie at the k-th place.
    known = test["item_id"].isin(train["item_id"]).to_numpy()
    assert (np.abs(mine[known] - theirs[known]) < 1e-9).mean() > 0.98
    truth = test["rating"][known]
    assert _rmse(mine[known], truth) == pytest.approx(_rmse(theirs[known], truth), abs=1e-3)


@pytest.mark.datasets
def test_biased_mf_matches_surprise_svd_on_movielens(
    fold: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    surprise = pytest.importorskip("surprise")
    train, test = fold
    # The same model and settings; only the initial draw and the order of updates differ.
    theirs = _rmse(_surprise(surprise.SVD(random_state=0), train, test), test["rating"])
    mine = _rmse(_shopmind(BiasedMF(), train, test), test["rating"])
    assert mine == pytest.approx(theirs, abs=0.01)
