"""Uplift learners: the scikit-learn estimator contract for every learner and estimator kind,
recovery of a planted heterogeneous effect, de-biasing of a targeted (non-randomised) campaign,
and every refusal of check_campaign."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression

from shopmind.errors import DataError, InsufficientDataError
from shopmind.marketing.uplift import (
    UPLIFT_MODELS,
    ClassTransformation,
    DRLearner,
    SLearner,
    TLearner,
    UpliftModel,
    XLearner,
    check_campaign,
)

NAMES = list(UPLIFT_MODELS)
EFFECTS = (0.1, 0.05, 0.0, -0.05)
"""tau(x) = 0.1 (x0 > 0) - 0.05 (x1 > 0) takes these four values."""


class Campaign(NamedTuple):
    X: np.ndarray
    treatment: np.ndarray
    y: np.ndarray
    tau: np.ndarray
    propensity: np.ndarray


def _campaign(n: int, seed: int, *, randomized: bool = True, share: float = 0.5) -> Campaign:
    """A 15% baseline response (moved by x2) and the planted effect tau on top when treated.
    Not randomised: the treatment probability rises with x2, the driver of the baseline, and
    with x0, the driver of the effect, so the treated respond more regardless."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    tau = 0.1 * (X[:, 0] > 0) - 0.05 * (X[:, 1] > 0)
    base = 0.15 + 0.08 * np.tanh(X[:, 2])
    targeted = 1.0 / (1.0 + np.exp(-(0.9 * X[:, 2] + 0.5 * X[:, 0])))
    e = np.full(n, share) if randomized else targeted
    t = (rng.random(n) < e).astype(np.int64)
    y = (rng.random(n) < base + t * tau).astype(np.int64)
    return Campaign(X, t, y, tau, e)


def _spend(c: Campaign, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return c.y * rng.gamma(2.0, 25.0, len(c.y))


def _linear(name: str, *, regression: bool) -> UpliftModel:
    outcome: Any = LinearRegression() if regression else LogisticRegression(max_iter=500)
    return {
        "s-learner": lambda: SLearner(outcome, interactions=True),
        "t-learner": lambda: TLearner(outcome),
        "x-learner": lambda: XLearner(outcome, LinearRegression(), LogisticRegression()),
        "class-transformation": lambda: ClassTransformation(outcome),
        "dr-learner": lambda: DRLearner(outcome, LinearRegression(), LogisticRegression()),
    }[name]()


def _make(name: str, variant: str, *, regression: bool = False) -> UpliftModel:
    if variant == "lightgbm":
        return UPLIFT_MODELS[name]()  # picks a classifier or a regressor from y
    return _linear(name, regression=regression)


@cache
def _small() -> Campaign:
    return _campaign(1500, 7)


# -- the estimator contract ------------------------------------------------------------------


def test_registry_names() -> None:
    assert NAMES == ["s-learner", "t-learner", "x-learner", "class-transformation", "dr-learner"]


@pytest.mark.parametrize("variant", ["lightgbm", "linear"])
@pytest.mark.parametrize("name", NAMES)
def test_estimator_contract(name: str, variant: str) -> None:
    c = _small()
    model = _make(name, variant)
    assert model.fit(c.X, c.treatment, c.y) is model
    uplift = model.predict(c.X[:100])
    assert uplift.shape == (100,)
    assert uplift.dtype == np.float64
    assert np.all(np.isfinite(uplift))
    assert model.propensity_.shape == (len(c.y),)

    copy = clone(model)
    assert copy.get_params().keys() == model.get_params().keys()
    assert not hasattr(copy, "n_features_in_")
    # Same random_state, same data: the same predictions.
    np.testing.assert_array_equal(copy.fit(c.X, c.treatment, c.y).predict(c.X[:100]), uplift)

    with pytest.raises(ValueError, match="features"):
        model.predict(c.X[:5, :3])


@pytest.mark.parametrize("variant", ["lightgbm", "linear"])
@pytest.mark.parametrize("name", NAMES)
def test_real_valued_outcome(name: str, variant: str) -> None:
    c = _small()
    spend = _spend(c, 1)
    model = _make(name, variant, regression=True).fit(c.X, c.treatment, spend)
    uplift = model.predict(c.X)
    assert uplift.shape == (len(spend),)
    assert np.all(np.isfinite(uplift))
    assert not model.outcome_is_binary_


@pytest.mark.parametrize("name", NAMES)
def test_sample_weight_and_unfitted(name: str) -> None:
    c = _small()
    model = UPLIFT_MODELS[name]()
    with pytest.raises(Exception, match="not fitted"):
        model.predict(c.X)
    weight = np.random.default_rng(0).uniform(0.5, 2.0, len(c.y))
    assert np.all(np.isfinite(model.fit(c.X, c.treatment, c.y, sample_weight=weight).predict(c.X)))
    with pytest.raises(ValueError, match="sample_weight"):
        model.fit(c.X, c.treatment, c.y, sample_weight=-weight)


@pytest.mark.parametrize("make", [SLearner, TLearner])
def test_predict_outcomes(make: type[SLearner] | type[TLearner]) -> None:
    c = _small()
    model = make().fit(c.X, c.treatment, c.y)
    y0, y1 = model.predict_outcomes(c.X)
    np.testing.assert_allclose(y1 - y0, model.predict(c.X))
    assert np.all((y0 >= 0) & (y0 <= 1) & (y1 >= 0) & (y1 <= 1))
    assert y0.mean() == pytest.approx(c.y[c.treatment == 0].mean(), abs=0.03)


def test_class_transformation_needs_binary_y_with_a_classifier() -> None:
    c = _small()
    with pytest.raises(ValueError, match="0/1 outcome"):
        ClassTransformation(LogisticRegression()).fit(c.X, c.treatment, _spend(c, 0))


# -- recovery of a planted effect ------------------------------------------------------------


@cache
def _randomized() -> Campaign:
    return _campaign(20_000, 0)


@pytest.mark.parametrize(
    ("name", "min_rank", "tolerance"),
    [
        # The S-learner's trees shrink the effect towards 0 (the treatment is one feature of
        # six): it ranks best but its group means are the least accurate.
        ("s-learner", 0.8, 0.04),
        ("t-learner", 0.7, 0.02),
        ("x-learner", 0.7, 0.02),
        ("class-transformation", 0.6, 0.025),
        ("dr-learner", 0.7, 0.02),
    ],
)
def test_recovers_planted_effect(name: str, min_rank: float, tolerance: float) -> None:
    c = _randomized()
    uplift = UPLIFT_MODELS[name]().fit(c.X, c.treatment, c.y).predict(c.X)
    assert spearmanr(uplift, c.tau).statistic > min_rank
    for effect in EFFECTS:
        group = np.isclose(c.tau, effect)
        assert uplift[group].mean() == pytest.approx(effect, abs=tolerance)


def test_class_transformation_with_unequal_arms_is_unbiased() -> None:
    # 80% treated: the plain 50/50 transformation would be badly off, the re-weighted one not.
    c = _campaign(20_000, 3, share=0.8)
    model = ClassTransformation().fit(c.X, c.treatment, c.y)
    assert model.treated_share_ == pytest.approx(0.8, abs=0.01)
    uplift = model.predict(c.X)
    assert uplift.mean() == pytest.approx(c.tau.mean(), abs=0.015)
    z = c.y * c.treatment + (1 - c.y) * (1 - c.treatment)
    assert abs(2 * z.mean() - 1 - c.tau.mean()) > 0.3  # what ignoring the share estimates


# -- a targeted campaign ---------------------------------------------------------------------


@cache
def _targeted() -> Campaign:
    return _campaign(20_000, 1, randomized=False)


def test_naive_difference_is_biased_on_a_targeted_campaign() -> None:
    c = _targeted()
    naive = c.y[c.treatment == 1].mean() - c.y[c.treatment == 0].mean()
    assert naive - c.tau.mean() > 0.03


@pytest.mark.parametrize("name", NAMES)
def test_propensity_weighting_removes_the_bias(name: str) -> None:
    c = _targeted()
    model = UPLIFT_MODELS[name]().set_params(randomized=False).fit(c.X, c.treatment, c.y)
    # The cross-fitted propensity is exposed and close to the true one.
    assert np.corrcoef(model.propensity_, c.propensity)[0, 1] > 0.9
    assert model.propensity_model_ is not None
    assert model.predict(c.X).mean() == pytest.approx(c.tau.mean(), abs=0.012)
    if isinstance(model, DRLearner):
        assert model.ate_ == pytest.approx(c.tau.mean(), abs=3 * model.ate_stderr_ + 0.005)


def test_randomized_propensity_is_the_treated_share() -> None:
    c = _small()
    model = DRLearner().fit(c.X, c.treatment, c.y)
    np.testing.assert_allclose(model.propensity_, c.treatment.mean())
    assert model.propensity_model_ is None


def test_fit_refuses_a_campaign_without_overlap() -> None:
    c = _small()
    decided = (c.X[:, 0] > 0).astype(np.int64)  # the treatment is a function of x0
    with pytest.raises(InsufficientDataError, match="do not overlap"):
        TLearner(randomized=False).fit(c.X, decided, c.y)


# -- check_campaign --------------------------------------------------------------------------


def test_check_campaign_accepts_a_good_campaign() -> None:
    c = _small()
    check_campaign(c.treatment, c.y)
    check_campaign(c.treatment, c.y, propensity=np.full(len(c.y), 0.5))
    check_campaign(c.treatment.astype(bool), _spend(c, 0))


def test_one_arm_only() -> None:
    with pytest.raises(InsufficientDataError, match="no control customers"):
        check_campaign(np.ones(50), np.r_[np.ones(10), np.zeros(40)])
    with pytest.raises(InsufficientDataError, match="no treated customers"):
        check_campaign(np.zeros(50), np.r_[np.ones(10), np.zeros(40)])


def test_an_arm_too_small() -> None:
    t = np.r_[np.ones(5), np.zeros(95)]
    with pytest.raises(InsufficientDataError, match="at least 10"):
        check_campaign(t, np.r_[np.ones(10), np.zeros(90)])


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        (None, DataError, "no outcomes"),
        (np.array([]), DataError, "no outcomes"),
        (np.full(40, np.nan), DataError, "every outcome is missing"),
        (np.r_[np.nan, np.zeros(19), np.ones(20)], DataError, "1 outcomes are missing"),
        (np.zeros(40), InsufficientDataError, "no customer responded"),
        (np.ones(40), InsufficientDataError, "no customer failed to respond"),
        (np.array(["yes", "no"] * 20), DataError, "numeric"),
    ],
)
def test_no_outcomes(y: np.ndarray | None, error: type[Exception], match: str) -> None:
    t = np.tile([0, 1], 20)
    with pytest.raises(error, match=match):
        check_campaign(t, y)


def test_lengths_mismatch() -> None:
    with pytest.raises(DataError, match="treatment has 40 rows but y has 39"):
        check_campaign(np.tile([0, 1], 20), np.tile([0, 1], 20)[:39])
    c = _small()
    with pytest.raises(DataError, match="X has"):
        TLearner().fit(c.X[:-1], c.treatment, c.y)


@pytest.mark.parametrize(
    "treatment",
    [np.tile([0, 2], 20), np.tile([0.0, 0.5], 20), np.array(["mail", "control"] * 20)],
)
def test_treatment_not_zero_one(treatment: np.ndarray) -> None:
    with pytest.raises(DataError, match="treatment must be 1") as raised:
        check_campaign(treatment, np.tile([0, 1, 1, 0], 10))
    assert raised.value.issues[0].column == "treatment"
    assert raised.value.issues[0].row == (1 if treatment.dtype.kind == "U" else 2)


def test_no_overlap() -> None:
    t = np.tile([0, 1], 100)
    y = np.tile([0, 1, 1, 0], 50)
    extreme = np.where(t == 1, 0.995, 0.3)  # half the customers certain to be treated
    with pytest.raises(InsufficientDataError, match="do not overlap"):
        check_campaign(t, y, propensity=extreme)
    disjoint = np.where(t == 1, 0.7, 0.4)  # no extreme values but the arms never meet
    with pytest.raises(InsufficientDataError, match=r"treated range 0\.700-0\.700"):
        check_campaign(t, y, propensity=disjoint)
    with pytest.raises(DataError, match="propensity has"):
        check_campaign(t, y, propensity=disjoint[:-1])
