"""Uplift models: who buys (or visits, or spends more) *because* of a campaign.

Every learner estimates the conditional average treatment effect
tau(x) = E[y | T=1, x] - E[y | T=0, x] from a campaign's customers (features X, 0/1 treatment,
0/1 or real outcome y) on top of any scikit-learn classifier (0/1 outcome) or regressor (real
outcome such as spend); by default a small, regularised LightGBM model chosen from y.

- `SLearner`: one outcome model with the treatment as a feature; tau = f(x, 1) - f(x, 0).
- `TLearner`: one outcome model per arm; tau = mu1(x) - mu0(x).
- `XLearner`: Kunzel, Sekhon, Bickel & Yu (2019), "Metalearners for estimating heterogeneous
  treatment effects using machine learning", PNAS 116(10), 4156-4165.
- `ClassTransformation`: Jaskowski & Jaroszewicz (2012), "Uplift modeling for clinical trial
  data", ICML workshop on clinical data analysis; arms re-weighted to 50/50 so it stays
  unbiased for any treatment share. With a regressor (real y) it is the transformed-outcome
  regression of Athey & Imbens (2015), "Machine learning methods for estimating heterogeneous
  causal effects", arXiv:1504.01132v1.
- `DRLearner`: Kennedy (2020/2023), "Towards optimal doubly robust estimation of
  heterogeneous causal effects", arXiv:2004.14497: the AIPW pseudo-outcome with cross-fitting,
  regressed on x.

Campaigns that were not randomised (`randomized=False`): a propensity model e(x) = P(T=1 | x)
is cross-fitted and the learners fit with inverse-propensity weights T/e + (1-T)/(1-e)
(clipped e); X- and DR-learner use e(x) in their formulas. `check_campaign` refuses data from
which no effect can be learnt (one arm, no outcomes, no overlap between the arms, ...), and
`fit` always calls it, so observational data are never silently treated as an experiment.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Final, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from shopmind.errors import DataError, InsufficientDataError, Issue

__all__ = [
    "UPLIFT_MODELS",
    "ClassTransformation",
    "DRLearner",
    "SLearner",
    "TLearner",
    "UpliftModel",
    "XLearner",
    "check_campaign",
    "default_classifier",
    "default_regressor",
]

FloatArray = NDArray[np.float64]

MIN_ARM_ROWS: Final = 10
"""Fewest customers an arm must have for any effect to be estimated."""
OVERLAP_BOUNDS: Final = (0.01, 0.99)
"""A propensity outside these bounds means the customer was (almost) certain to be treated,
or not: nothing in the data says what the other arm would have done for them."""
MAX_EXTREME_SHARE: Final = 0.05
"""Largest share of customers allowed outside `OVERLAP_BOUNDS`."""
_SOURCE: Final = "campaign"


# -- default estimators ----------------------------------------------------------------------


def default_classifier(random_state: int | None = 0) -> Any:
    """A small, strongly regularised LightGBM classifier (campaign data are noisy)."""
    from lightgbm import LGBMClassifier

    return LGBMClassifier(
        n_estimators=100,
        learning_rate=0.05,
        num_leaves=8,
        max_depth=3,
        min_child_samples=100,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=5.0,
        random_state=random_state,
        n_jobs=1,
        verbose=-1,
    )


def default_regressor(random_state: int | None = 0) -> Any:
    """The regressor counterpart of `default_classifier`."""
    from lightgbm import LGBMRegressor

    return LGBMRegressor(
        n_estimators=100,
        learning_rate=0.05,
        num_leaves=8,
        max_depth=3,
        min_child_samples=100,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=5.0,
        random_state=random_state,
        n_jobs=1,
        verbose=-1,
    )


# -- input checks ----------------------------------------------------------------------------


def _is_binary(y: FloatArray) -> bool:
    return bool(np.isin(y, (0.0, 1.0)).all())


def check_campaign(
    treatment: ArrayLike, y: ArrayLike | None, *, propensity: ArrayLike | None = None
) -> None:
    """Refuse a campaign's data from which no uplift can be learnt, saying why and what to do.

    Raises `DataError` when the input breaks the contract (lengths differ, a treatment that is
    not 0/1, missing outcomes) and `InsufficientDataError` when it is valid but cannot answer
    the question (an arm missing or with fewer than `MIN_ARM_ROWS` customers, no response at
    all, and -- given estimated propensities -- no overlap between the arms: more than
    `MAX_EXTREME_SHARE` of customers with e(x) outside `OVERLAP_BOUNDS`, or treated and
    control propensities in disjoint ranges).
    """
    t_raw = np.asarray(treatment).ravel()
    if y is None or np.asarray(y).size == 0:
        raise DataError(
            [
                Issue(
                    _SOURCE,
                    "no outcomes were given: pass the observed response (0/1) or value of "
                    "every customer in the campaign",
                    column="y",
                )
            ]
        )
    y_raw = np.asarray(y).ravel()
    if len(t_raw) != len(y_raw):
        raise DataError(
            [
                Issue(
                    _SOURCE,
                    f"treatment has {len(t_raw)} rows but y has {len(y_raw)}: give one "
                    "treatment flag and one outcome per customer",
                )
            ]
        )
    try:
        t = t_raw.astype(np.float64)
    except (TypeError, ValueError):
        t = np.full(len(t_raw), np.nan)
    bad = ~np.isin(t, (0.0, 1.0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            [
                Issue(
                    _SOURCE,
                    f"treatment must be 1 (treated) or 0 (control), got '{t_raw[first]}' "
                    f"({int(bad.sum())} rows are neither); map the arms to 0/1 first",
                    row=first + 1,
                    column="treatment",
                )
            ]
        )
    try:
        outcome = y_raw.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise DataError(
            [
                Issue(
                    _SOURCE, f"y must be numeric (0/1 or a value such as spend): {error}", None, "y"
                )
            ]
        ) from error
    missing = ~np.isfinite(outcome)
    if missing.all():
        raise DataError(
            [
                Issue(
                    _SOURCE,
                    "every outcome is missing (NaN): the campaign's results were not recorded "
                    "or not joined to its customers",
                    column="y",
                )
            ]
        )
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise DataError(
            [
                Issue(
                    _SOURCE,
                    f"{int(missing.sum())} outcomes are missing or infinite; drop those "
                    "customers or record their outcome (0 for no response)",
                    row=first + 1,
                    column="y",
                )
            ]
        )
    n_treated, n_control = int((t == 1).sum()), int((t == 0).sum())
    if n_treated == 0 or n_control == 0:
        missing_arm = "treated" if n_treated == 0 else "control"
        raise InsufficientDataError(
            f"the campaign has no {missing_arm} customers ({n_treated} treated, {n_control} "
            "control): uplift compares the two arms, so keep a random control group (or "
            "treat some customers) before modelling"
        )
    if min(n_treated, n_control) < MIN_ARM_ROWS:
        raise InsufficientDataError(
            f"the campaign has {n_treated} treated and {n_control} control customers; each arm "
            f"needs at least {MIN_ARM_ROWS} to estimate any effect: run the campaign on more "
            "customers"
        )
    if _is_binary(outcome) and (outcome.sum() == 0 or outcome.sum() == len(outcome)):
        what = "responded" if outcome.sum() == 0 else "failed to respond"
        raise InsufficientDataError(
            f"no customer {what} (every outcome is {int(outcome[0])}): there is no response "
            "to model; check the outcome column or wait for the campaign's results"
        )
    if propensity is None:
        return
    e = np.asarray(propensity, dtype=np.float64).ravel()
    if len(e) != len(t):
        raise DataError(
            [Issue(_SOURCE, f"propensity has {len(e)} rows but treatment has {len(t)}")]
        )
    low, high = OVERLAP_BOUNDS
    extreme = float(np.mean((e < low) | (e > high)))
    treated_range = (float(e[t == 1].min()), float(e[t == 1].max()))
    control_range = (float(e[t == 0].min()), float(e[t == 0].max()))
    disjoint = treated_range[0] > control_range[1] or control_range[0] > treated_range[1]
    if extreme > MAX_EXTREME_SHARE or disjoint:
        raise InsufficientDataError(
            f"treated and control customers do not overlap: {extreme:.0%} of customers have a "
            f"treatment propensity outside [{low}, {high}] (at most {MAX_EXTREME_SHARE:.0%} "
            f"allowed); treated range {treated_range[0]:.3f}-{treated_range[1]:.3f}, control "
            f"range {control_range[0]:.3f}-{control_range[1]:.3f}. The campaign was targeted "
            "so that who got it is (almost) decided by the features, and its effect cannot be "
            "separated from who was chosen: run it with a random control group, or restrict "
            "the data to customers who could have been in either arm"
        )


def _features(X: ArrayLike) -> FloatArray:
    array = np.asarray(X, dtype=np.float64)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"X must be a 2-D table of numeric features, got shape {array.shape}")
    return array


# -- estimator helpers -----------------------------------------------------------------------


def _fit(
    estimator: Any, X: FloatArray, y: FloatArray, weight: FloatArray | None, *, classify: bool
) -> Any:
    model = clone(estimator)
    target = y.astype(np.int64) if classify else y
    if weight is None:
        model.fit(X, target)
    else:
        model.fit(X, target, sample_weight=weight)
    return model


def _outcome(model: Any, X: FloatArray) -> FloatArray:
    """E[y | x]: the positive-class probability of a classifier, else the regression."""
    if is_classifier(model):
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)
        return proba[:, list(model.classes_).index(1)] if proba.shape[1] > 1 else proba[:, 0]
    return np.asarray(model.predict(X), dtype=np.float64).ravel()


def _times(a: FloatArray | None, b: FloatArray | None) -> FloatArray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a * b


class UpliftModel(BaseEstimator, ABC):  # type: ignore[misc]
    """Common ground of the learners: input checks, the propensity model and its weights.

    Subclasses set their parameters in `__init__` (stored as given, scikit-learn style) and
    implement `_fit_effect` and `predict`. Shared parameters: `randomized` (True for a random
    A/B split: the propensity is the constant treated share; False: it is cross-fitted with
    `propensity_estimator` and used for inverse-propensity weights), `propensity_clip`
    (propensities are clipped to [clip, 1 - clip] before they divide), `n_folds` (folds of
    cross-fitting) and `random_state` (default estimators and folds).
    """

    randomized: bool
    propensity_estimator: Any
    propensity_clip: float
    n_folds: int
    random_state: int | None

    propensity_: FloatArray
    """The training customers' propensity P(T=1 | x): constant if randomized, else cross-fitted
    (out-of-fold) and unclipped."""
    propensity_model_: Any
    """The propensity classifier refitted on all training rows (None if randomized)."""
    treated_share_: float
    n_features_in_: int
    outcome_is_binary_: bool

    def set_params(self, **params: Any) -> Self:
        """Set parameters by name (scikit-learn's), typed to return the model itself."""
        super().set_params(**params)
        return self

    # -- shared fitting ----------------------------------------------------------------------

    def fit(
        self,
        X: ArrayLike,
        treatment: ArrayLike,
        y: ArrayLike,
        *,
        sample_weight: ArrayLike | None = None,
    ) -> Self:
        """Learn the uplift from customers X, their 0/1 treatment and their outcome y."""
        check_campaign(treatment, y)
        features = _features(X)
        t = np.asarray(treatment, dtype=np.float64).ravel()
        outcome = np.asarray(y, dtype=np.float64).ravel()
        if len(features) != len(t):
            raise DataError(
                [Issue(_SOURCE, f"X has {len(features)} rows but treatment has {len(t)}")]
            )
        weight = None
        if sample_weight is not None:
            weight = np.asarray(sample_weight, dtype=np.float64).ravel()
            if len(weight) != len(t) or not np.all(np.isfinite(weight)) or (weight < 0).any():
                raise ValueError("sample_weight must be one finite, non-negative weight a row")
        self.n_features_in_ = features.shape[1]
        self.outcome_is_binary_ = _is_binary(outcome)
        self.treated_share_ = float(np.average(t, weights=weight))
        if self.randomized:
            self.propensity_ = np.full(len(t), self.treated_share_)
            self.propensity_model_ = None
        else:
            self.propensity_, self.propensity_model_ = self._cross_fit_propensity(
                features, t, weight
            )
            check_campaign(t, outcome, propensity=self.propensity_)
        self._fit_effect(features, t, outcome, weight)
        return self

    @abstractmethod
    def _fit_effect(
        self, X: FloatArray, t: FloatArray, y: FloatArray, weight: FloatArray | None
    ) -> None:
        """Fit the learner's own models on checked arrays (propensity already set)."""

    @abstractmethod
    def predict(self, X: ArrayLike) -> FloatArray:
        """Estimated uplift tau(x) = E[y | T=1, x] - E[y | T=0, x] of each customer."""

    # -- helpers for subclasses --------------------------------------------------------------

    def _check_X(self, X: ArrayLike) -> FloatArray:
        check_is_fitted(self, "n_features_in_")
        features = _features(X)
        if features.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {features.shape[1]} features but the model was fitted on "
                f"{self.n_features_in_}"
            )
        return features

    def _clipped(self, e: FloatArray) -> FloatArray:
        return np.clip(e, self.propensity_clip, 1.0 - self.propensity_clip)

    def _ipw(self, t: FloatArray) -> FloatArray | None:
        """Inverse-propensity weights T/e + (1-T)/(1-e); None for a randomised campaign (where
        they would be constant within each arm and change nothing but the arms' balance)."""
        if self.randomized:
            return None
        e = self._clipped(self.propensity_)
        return t / e + (1.0 - t) / (1.0 - e)

    def _predict_propensity(self, X: FloatArray) -> FloatArray:
        if self.propensity_model_ is None:
            return np.full(len(X), self.treated_share_)
        return self._clipped(_outcome(self.propensity_model_, X))

    def _propensity_estimator(self) -> Any:
        if self.propensity_estimator is not None:
            return self.propensity_estimator
        return default_classifier(self.random_state)

    def _cross_fit_propensity(
        self, X: FloatArray, t: FloatArray, weight: FloatArray | None
    ) -> tuple[FloatArray, Any]:
        estimator = self._propensity_estimator()
        out_of_fold = np.empty(len(t))
        folds = StratifiedKFold(
            n_splits=max(2, self.n_folds), shuffle=True, random_state=self.random_state
        )
        for train, test in folds.split(X, t):
            part = None if weight is None else weight[train]
            model = _fit(estimator, X[train], t[train], part, classify=True)
            out_of_fold[test] = _outcome(model, X[test])
        return out_of_fold, _fit(estimator, X, t, weight, classify=True)

    def _outcome_estimator(self, estimator: Any, y: FloatArray) -> Any:
        if estimator is not None:
            return estimator
        if _is_binary(y):
            return default_classifier(self.random_state)
        return default_regressor(self.random_state)

    def _effect_estimator(self, estimator: Any) -> Any:
        return default_regressor(self.random_state) if estimator is None else estimator


# -- learners --------------------------------------------------------------------------------


class SLearner(UpliftModel):
    """One outcome model on (x, T); uplift = f(x, 1) - f(x, 0).

    `estimator`: a classifier (0/1 y) or regressor; None picks the default LightGBM one from
    y. `interactions=True` adds the products x * T as features (sklift's
    'treatment_interaction'), which a linear model needs to express any heterogeneity.
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        interactions: bool = False,
        randomized: bool = True,
        propensity_estimator: Any = None,
        propensity_clip: float = 0.01,
        n_folds: int = 5,
        random_state: int | None = 0,
    ) -> None:
        self.estimator = estimator
        self.interactions = interactions
        self.randomized = randomized
        self.propensity_estimator = propensity_estimator
        self.propensity_clip = propensity_clip
        self.n_folds = n_folds
        self.random_state = random_state

    model_: Any

    def _design(self, X: FloatArray, t: FloatArray) -> FloatArray:
        columns = [X, t[:, None]]
        if self.interactions:
            columns.append(X * t[:, None])
        return np.hstack(columns)

    def _fit_effect(
        self, X: FloatArray, t: FloatArray, y: FloatArray, weight: FloatArray | None
    ) -> None:
        estimator = self._outcome_estimator(self.estimator, y)
        self.model_ = _fit(
            estimator,
            self._design(X, t),
            y,
            _times(weight, self._ipw(t)),
            classify=is_classifier(estimator),
        )

    def predict_outcomes(self, X: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(E[y | T=0, x], E[y | T=1, x]): each customer's expected outcome without and with."""
        features = self._check_X(X)
        n = len(features)
        y0 = _outcome(self.model_, self._design(features, np.zeros(n)))
        y1 = _outcome(self.model_, self._design(features, np.ones(n)))
        return y0, y1

    def predict(self, X: ArrayLike) -> FloatArray:
        y0, y1 = self.predict_outcomes(X)
        return y1 - y0


class TLearner(UpliftModel):
    """One outcome model per arm; uplift = mu1(x) - mu0(x).

    `estimator` models the treated arm and, unless `control_estimator` is given, the control
    arm too; None picks the default LightGBM model from y.
    """

    def __init__(
        self,
        estimator: Any = None,
        control_estimator: Any = None,
        *,
        randomized: bool = True,
        propensity_estimator: Any = None,
        propensity_clip: float = 0.01,
        n_folds: int = 5,
        random_state: int | None = 0,
    ) -> None:
        self.estimator = estimator
        self.control_estimator = control_estimator
        self.randomized = randomized
        self.propensity_estimator = propensity_estimator
        self.propensity_clip = propensity_clip
        self.n_folds = n_folds
        self.random_state = random_state

    treated_model_: Any
    control_model_: Any

    def _fit_effect(
        self, X: FloatArray, t: FloatArray, y: FloatArray, weight: FloatArray | None
    ) -> None:
        treated = self._outcome_estimator(self.estimator, y)
        control = treated if self.control_estimator is None else self.control_estimator
        w = _times(weight, self._ipw(t))
        arms = []
        for estimator, arm in ((treated, t == 1), (control, t == 0)):
            part = None if w is None else w[arm]
            arms.append(_fit(estimator, X[arm], y[arm], part, classify=is_classifier(estimator)))
        self.treated_model_, self.control_model_ = arms

    def predict_outcomes(self, X: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(E[y | T=0, x], E[y | T=1, x]): each customer's expected outcome without and with."""
        features = self._check_X(X)
        return _outcome(self.control_model_, features), _outcome(self.treated_model_, features)

    def predict(self, X: ArrayLike) -> FloatArray:
        y0, y1 = self.predict_outcomes(X)
        return y1 - y0


class XLearner(UpliftModel):
    """Kunzel et al.'s X-learner.

    Stage 1 fits an outcome model per arm (`outcome_estimator`: classifier or regressor, None
    for the default from y); stage 2 regresses the imputed effects -- y - mu0(x) on the
    treated, mu1(x) - y on the controls -- on x with `effect_estimator` (a regressor, default
    LightGBM); uplift = e(x) tau0(x) + (1 - e(x)) tau1(x), with e the propensity (the treated
    share when randomized).
    """

    def __init__(
        self,
        outcome_estimator: Any = None,
        effect_estimator: Any = None,
        propensity_estimator: Any = None,
        *,
        randomized: bool = True,
        propensity_clip: float = 0.01,
        n_folds: int = 5,
        random_state: int | None = 0,
    ) -> None:
        self.outcome_estimator = outcome_estimator
        self.effect_estimator = effect_estimator
        self.propensity_estimator = propensity_estimator
        self.randomized = randomized
        self.propensity_clip = propensity_clip
        self.n_folds = n_folds
        self.random_state = random_state

    treated_model_: Any
    control_model_: Any
    treated_effect_model_: Any
    control_effect_model_: Any

    def _fit_effect(
        self, X: FloatArray, t: FloatArray, y: FloatArray, weight: FloatArray | None
    ) -> None:
        outcome = self._outcome_estimator(self.outcome_estimator, y)
        effect = self._effect_estimator(self.effect_estimator)
        classify = is_classifier(outcome)
        treated, control = t == 1, t == 0

        def part(mask: NDArray[np.bool_]) -> FloatArray | None:
            return None if weight is None else weight[mask]

        self.treated_model_ = _fit(
            outcome, X[treated], y[treated], part(treated), classify=classify
        )
        self.control_model_ = _fit(
            outcome, X[control], y[control], part(control), classify=classify
        )
        d_treated = y[treated] - _outcome(self.control_model_, X[treated])
        d_control = _outcome(self.treated_model_, X[control]) - y[control]
        self.treated_effect_model_ = _fit(
            effect, X[treated], d_treated, part(treated), classify=False
        )
        self.control_effect_model_ = _fit(
            effect, X[control], d_control, part(control), classify=False
        )

    def predict(self, X: ArrayLike) -> FloatArray:
        features = self._check_X(X)
        g = self._predict_propensity(features)
        tau_treated = _outcome(self.treated_effect_model_, features)
        tau_control = _outcome(self.control_effect_model_, features)
        return g * tau_control + (1.0 - g) * tau_treated


class ClassTransformation(UpliftModel):
    """Jaskowski & Jaroszewicz's class transformation, valid for any treatment share.

    With a classifier (0/1 y; default LightGBM): z = 1 for treated responders and control
    non-responders; each arm is re-weighted to half the data (weights 1/(2e) for treated,
    1/(2(1-e)) for controls, e the propensity), and then uplift = 2 P(z=1 | x) - 1 exactly.
    With a regressor (any y, e.g. spend; default LightGBM for a real y): the transformed
    outcome y T/e - y (1-T)/(1-e), whose expectation given x is the uplift, is regressed on x.
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        randomized: bool = True,
        propensity_estimator: Any = None,
        propensity_clip: float = 0.01,
        n_folds: int = 5,
        random_state: int | None = 0,
    ) -> None:
        self.estimator = estimator
        self.randomized = randomized
        self.propensity_estimator = propensity_estimator
        self.propensity_clip = propensity_clip
        self.n_folds = n_folds
        self.random_state = random_state

    model_: Any

    def _fit_effect(
        self, X: FloatArray, t: FloatArray, y: FloatArray, weight: FloatArray | None
    ) -> None:
        estimator = self._outcome_estimator(self.estimator, y)
        e = self._clipped(self.propensity_)
        if is_classifier(estimator):
            if not _is_binary(y):
                raise ValueError(
                    "the class transformation with a classifier needs a 0/1 outcome; pass a "
                    "regressor (transformed outcome) for a real-valued y such as spend"
                )
            z = y * t + (1.0 - y) * (1.0 - t)
            balance = t / (2.0 * e) + (1.0 - t) / (2.0 * (1.0 - e))
            self.model_ = _fit(estimator, X, z, _times(weight, balance), classify=True)
        else:
            transformed = y * (t / e - (1.0 - t) / (1.0 - e))
            self.model_ = _fit(estimator, X, transformed, weight, classify=False)

    def predict(self, X: ArrayLike) -> FloatArray:
        features = self._check_X(X)
        if is_classifier(self.model_):
            return 2.0 * _outcome(self.model_, features) - 1.0
        return _outcome(self.model_, features)


class DRLearner(UpliftModel):
    """Kennedy's doubly robust learner with cross-fitting.

    On each of `n_folds` folds, outcome models per arm (`outcome_estimator`, classifier or
    regressor; None for the default from y) and, if not randomized, the propensity are fitted
    on the other folds; the AIPW pseudo-outcome
    phi = mu1 - mu0 + T (y - mu1) / e - (1 - T) (y - mu0) / (1 - e)
    of the fold's customers is then regressed on x with `effect_estimator` (a regressor,
    default LightGBM). `ate_` is the mean of phi: the doubly robust average effect, with
    `ate_stderr_` its standard error.
    """

    def __init__(
        self,
        outcome_estimator: Any = None,
        effect_estimator: Any = None,
        propensity_estimator: Any = None,
        *,
        n_folds: int = 5,
        randomized: bool = True,
        propensity_clip: float = 0.01,
        random_state: int | None = 0,
    ) -> None:
        self.outcome_estimator = outcome_estimator
        self.effect_estimator = effect_estimator
        self.propensity_estimator = propensity_estimator
        self.n_folds = n_folds
        self.randomized = randomized
        self.propensity_clip = propensity_clip
        self.random_state = random_state

    model_: Any
    pseudo_outcome_: FloatArray
    ate_: float
    ate_stderr_: float

    def _fit_effect(
        self, X: FloatArray, t: FloatArray, y: FloatArray, weight: FloatArray | None
    ) -> None:
        outcome = self._outcome_estimator(self.outcome_estimator, y)
        classify = is_classifier(outcome)
        mu0, mu1 = np.empty(len(y)), np.empty(len(y))
        folds = KFold(n_splits=max(2, self.n_folds), shuffle=True, random_state=self.random_state)
        for train, test in folds.split(X):
            for arm, target in ((1.0, mu1), (0.0, mu0)):
                rows = train[t[train] == arm]
                part = None if weight is None else weight[rows]
                model = _fit(outcome, X[rows], y[rows], part, classify=classify)
                target[test] = _outcome(model, X[test])
        # The propensity is already out-of-fold (cross-fitted) when not randomized.
        e = self._clipped(self.propensity_)
        phi = mu1 - mu0 + t * (y - mu1) / e - (1.0 - t) * (y - mu0) / (1.0 - e)
        self.pseudo_outcome_ = phi
        self.ate_ = float(np.average(phi, weights=weight))
        self.ate_stderr_ = float(np.std(phi) / np.sqrt(len(phi)))
        effect = self._effect_estimator(self.effect_estimator)
        self.model_ = _fit(effect, X, phi, weight, classify=False)

    def predict(self, X: ArrayLike) -> FloatArray:
        features = self._check_X(X)
        return _outcome(self.model_, features)


UPLIFT_MODELS: dict[str, Callable[[], UpliftModel]] = {
    "s-learner": SLearner,
    "t-learner": TLearner,
    "x-learner": XLearner,
    "class-transformation": ClassTransformation,
    "dr-learner": DRLearner,
}
"""The learners by name, each with its default (LightGBM) estimators."""
