"""marketing-uplift: who visits because of the women's e-mail, on Hillstrom's experiment.

shopmind's uplift learners (S, T, X, class transformation, DR, tuned variants and a rank
ensemble) against scikit-uplift's SoloModel, TwoModels (vanilla) and ClassTransformation over
LightGBM, scikit-learn's GradientBoostingClassifier and LogisticRegression, all fitted in this
process on the same ten 50/50 splits of the women's e-mail and control customers. Target
`visit` (binary) and, as a second study, `spend` (dollars, with regressors). Issue 4's target:
shopmind's best mean Qini coefficient (visit) at least 1.1 times the best peer's.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier, LGBMRegressor
from scipy.stats import rankdata
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, SplineTransformer, StandardScaler
from sklift import metrics as sklift_metrics
from sklift.models import ClassTransformation as SkliftClassTransformation
from sklift.models import ClassTransformationReg, SoloModel, TwoModels

from shopmind.bench import benchmarks_dir
from shopmind.data.datasets import hillstrom_frame
from shopmind.marketing import uplift_metrics
from shopmind.marketing.uplift import (
    UPLIFT_MODELS,
    DRLearner,
    SLearner,
    TLearner,
    UpliftModel,
    XLearner,
)

SEEDS = range(10)
K = 0.3
TARGET_RATIO = 1.1
PUBLISHED_UPLIFT_AT_30 = 0.0661
NUMERIC = ["recency", "history", "mens", "womens", "newbie"]
CATEGORICAL = ["zip_code", "channel"]

# Tuning. Every choice below was made on a validation split carved out of the TRAIN half
# only (30% of the train half, stratified on treatment x visit, for seeds 0-4; the test
# halves were never looked at), visit target. Mean validation Qini over those five
# carve-outs: sklift TwoModels(LogisticRegression) 0.0684, SoloModel(GradientBoosting) 0.0690
# (the best peers there); shopmind defaults S 0.0661, T 0.0450, X 0.0531, class
# transformation 0.0263, DR 0.0488; S-learner with the shallow LightGBM below 0.0675 (uplift@30
# 0.0820); T-learner over a spline logistic regression 0.0718; S-learner over the spline
# logistic regression with treatment interactions 0.0709; rank average of the shallow S
# (two seeds), spline S and spline T 0.0710 (uplift@30 0.0820). Linear or shallow effect
# models for X / DR (0.062-0.064), 300 trees, lower learning rates and larger leaves were no
# better. The validation Qini varies by +-0.013 between carve-outs, so differences of a few
# thousandths are noise.
SHALLOW = {
    "n_estimators": 200,
    "learning_rate": 0.03,
    "num_leaves": 4,
    "max_depth": 2,
    "min_child_samples": 300,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 5.0,
    "n_jobs": 1,
    "verbose": -1,
}


class Split(NamedTuple):
    X_train: np.ndarray
    X_test: np.ndarray
    t_train: np.ndarray
    t_test: np.ndarray
    y_train: dict[str, np.ndarray]
    y_test: dict[str, np.ndarray]


FitPredict = Callable[[Split, str], np.ndarray]
"""(split, target) -> predicted uplift of the test half."""


class System(NamedTuple):
    name: str
    kind: str
    target: str
    note: str
    fit_predict: FitPredict


# -- data ------------------------------------------------------------------------------------


def load() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], list[str]]:
    frame = hillstrom_frame()
    frame = frame[frame["treatment"] != "mens"].reset_index(drop=True)
    features = pd.get_dummies(
        frame[NUMERIC + CATEGORICAL], columns=CATEGORICAL, dtype=np.float64
    ).astype(np.float64)
    treatment = (frame["treatment"] == "womens").to_numpy(np.int64)
    targets = {
        "visit": frame["visit"].to_numpy(np.int64),
        "spend": frame["spend"].to_numpy(np.float64),
    }
    return features.to_numpy(), treatment, targets, list(features.columns)


def splits() -> list[Split]:
    X, t, targets, _ = load()
    strata = t * 2 + targets["visit"]
    out = []
    for seed in SEEDS:
        train, test = train_test_split(
            np.arange(len(t)), test_size=0.5, stratify=strata, random_state=seed
        )
        out.append(
            Split(
                X[train],
                X[test],
                t[train],
                t[test],
                {k: v[train] for k, v in targets.items()},
                {k: v[test] for k, v in targets.items()},
            )
        )
    return out


# -- estimators ------------------------------------------------------------------------------


def spline_features() -> ColumnTransformer:
    """Splines of recency (column 0) and of log(1 + history) (column 1); the rest as is."""
    return ColumnTransformer(
        [
            ("recency", SplineTransformer(n_knots=4, degree=2), [0]),
            (
                "history",
                make_pipeline(
                    FunctionTransformer(np.log1p), SplineTransformer(n_knots=4, degree=2)
                ),
                [1],
            ),
        ],
        remainder="passthrough",
    )


def spline_logistic() -> Pipeline:
    return make_pipeline(spline_features(), StandardScaler(), LogisticRegression(max_iter=2000))


def spline_ridge() -> Pipeline:
    return make_pipeline(spline_features(), StandardScaler(), Ridge(alpha=1.0))


def shallow_classifier(seed: int = 0) -> LGBMClassifier:
    return LGBMClassifier(**SHALLOW, random_state=seed)


def shallow_regressor(seed: int = 0) -> LGBMRegressor:
    return LGBMRegressor(**SHALLOW, random_state=seed)


def _shopmind(make: Callable[[], UpliftModel]) -> FitPredict:
    def fit_predict(split: Split, target: str) -> np.ndarray:
        model = make().fit(split.X_train, split.t_train, split.y_train[target])
        return model.predict(split.X_test)

    return fit_predict


def _ensemble(makers: list[Callable[[], UpliftModel]]) -> FitPredict:
    """Mean of the members' ranks (scaled to 0-1): only the ordering matters for Qini and
    uplift@k, and ranks keep one member's scale from dominating."""

    def fit_predict(split: Split, target: str) -> np.ndarray:
        ranks = [rankdata(_shopmind(make)(split, target)) / len(split.t_test) for make in makers]
        return np.mean(ranks, axis=0)

    return fit_predict


def _sklift(make: Callable[[], Any]) -> FitPredict:
    def fit_predict(split: Split, target: str) -> np.ndarray:
        model = make().fit(split.X_train, split.y_train[target], split.t_train)
        return np.asarray(model.predict(split.X_test), dtype=np.float64)

    return fit_predict


def _lgbm_classifier() -> LGBMClassifier:
    return LGBMClassifier(random_state=0, n_jobs=1, verbose=-1)


def _lgbm_regressor() -> LGBMRegressor:
    return LGBMRegressor(random_state=0, n_jobs=1, verbose=-1)


PEER_BASES: dict[str, dict[str, tuple[str, Callable[[], Any]]]] = {
    "visit": {
        "lightgbm": ("LGBMClassifier() defaults", _lgbm_classifier),
        "gradient-boosting": (
            "sklearn GradientBoostingClassifier(random_state=0) defaults (100 trees, depth 3)",
            lambda: GradientBoostingClassifier(random_state=0),
        ),
        "logistic": (
            "LogisticRegression(max_iter=1000)",
            lambda: LogisticRegression(max_iter=1000),
        ),
    },
    "spend": {
        "lightgbm": ("LGBMRegressor() defaults", _lgbm_regressor),
        "gradient-boosting": (
            "sklearn GradientBoostingRegressor(random_state=0) defaults (100 trees, depth 3)",
            lambda: GradientBoostingRegressor(random_state=0),
        ),
        "linear": ("LinearRegression()", LinearRegression),
    },
}


def peer_systems(target: str) -> list[System]:
    out = []
    suffix = "" if target == "visit" else " (spend)"
    for base, (described, make) in PEER_BASES[target].items():
        out += [
            System(
                f"sklift:solo-model[{base}]{suffix}",
                "peer",
                target,
                f"SoloModel(method='dummy') over {described}",
                _sklift(lambda make=make: SoloModel(make())),
            ),
            System(
                f"sklift:two-models[{base}]{suffix}",
                "peer",
                target,
                f"TwoModels(method='vanilla') over {described} (one per arm)",
                _sklift(lambda make=make: TwoModels(make(), make(), method="vanilla")),
            ),
        ]
        if target == "visit":
            out.append(
                System(
                    f"sklift:class-transformation[{base}]",
                    "peer",
                    target,
                    f"ClassTransformation over {described}",
                    _sklift(lambda make=make: SkliftClassTransformation(make())),
                )
            )
        else:
            out.append(
                System(
                    f"sklift:class-transformation-reg[{base}]{suffix}",
                    "peer",
                    target,
                    f"ClassTransformationReg(propensity_val=0.5) over {described} (the "
                    "transformed-outcome regression; sklift's ClassTransformation is binary only)",
                    _sklift(lambda make=make: ClassTransformationReg(make(), propensity_val=0.5)),
                )
            )
    return out


def shopmind_systems(target: str) -> list[System]:
    suffix = "" if target == "visit" else " (spend)"
    rows = [
        System(
            f"shopmind:{name}{suffix}",
            "shopmind",
            target,
            f"UPLIFT_MODELS['{name}'](): default LightGBM "
            f"({'classifier' if target == 'visit' else 'regressor'} for the outcome, "
            "regressor for effects; 100 trees, lr 0.05, 8 leaves, depth 3, min_child 100)",
            _shopmind(make),
        )
        for name, make in UPLIFT_MODELS.items()
    ]
    if target == "visit":
        rows += [
            System(
                "shopmind:s-learner (shallow lightgbm)",
                "shopmind",
                target,
                "SLearner(LGBMClassifier: 200 trees, lr 0.03, 4 leaves, depth 2, min_child 300)",
                _shopmind(lambda: SLearner(shallow_classifier())),
            ),
            System(
                "shopmind:t-learner (spline logistic)",
                "shopmind",
                target,
                "TLearner(splines of recency and log history + the rest, standardised, "
                "LogisticRegression)",
                _shopmind(lambda: TLearner(spline_logistic())),
            ),
            System(
                "shopmind:s-learner (spline logistic, interactions)",
                "shopmind",
                target,
                "SLearner(spline logistic, interactions=True): features, T and features x T",
                _shopmind(lambda: SLearner(spline_logistic(), interactions=True)),
            ),
            System(
                "shopmind:x-learner (shallow lightgbm)",
                "shopmind",
                target,
                "XLearner(shallow LGBMClassifier outcomes, shallow LGBMRegressor effects)",
                _shopmind(lambda: XLearner(shallow_classifier(), shallow_regressor())),
            ),
            System(
                "shopmind:dr-learner (shallow lightgbm)",
                "shopmind",
                target,
                "DRLearner(shallow LGBMClassifier outcomes, shallow LGBMRegressor effect, "
                "5-fold cross-fitting)",
                _shopmind(lambda: DRLearner(shallow_classifier(), shallow_regressor())),
            ),
            System(
                "shopmind:ensemble",
                "shopmind",
                target,
                "rank average of s-learner (shallow lightgbm, seeds 0 and 1), s-learner "
                "(spline logistic, interactions) and t-learner (spline logistic)",
                _ensemble(
                    [
                        lambda: SLearner(shallow_classifier(0)),
                        lambda: SLearner(shallow_classifier(1)),
                        lambda: SLearner(spline_logistic(), interactions=True),
                        lambda: TLearner(spline_logistic()),
                    ]
                ),
            ),
        ]
    else:
        # Not tuned for spend: the same shapes as for visit, with regressors.
        rows += [
            System(
                "shopmind:s-learner (shallow lightgbm) (spend)",
                "shopmind",
                target,
                "SLearner(LGBMRegressor with the visit study's shallow settings); untuned",
                _shopmind(lambda: SLearner(shallow_regressor())),
            ),
            System(
                "shopmind:t-learner (spline ridge) (spend)",
                "shopmind",
                target,
                "TLearner(splines of recency and log history + the rest, Ridge(1)); untuned",
                _shopmind(lambda: TLearner(spline_ridge())),
            ),
            System(
                "shopmind:ensemble (spend)",
                "shopmind",
                target,
                "rank average of s-learner (shallow lightgbm, seeds 0 and 1), s-learner "
                "(spline ridge, interactions) and t-learner (spline ridge); untuned",
                _ensemble(
                    [
                        lambda: SLearner(shallow_regressor(0)),
                        lambda: SLearner(shallow_regressor(1)),
                        lambda: SLearner(spline_ridge(), interactions=True),
                        lambda: TLearner(spline_ridge()),
                    ]
                ),
            ),
        ]
    return rows


# -- scoring ---------------------------------------------------------------------------------


def score(target: str, y: np.ndarray, uplift: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """(qini_auc, uplift@30). sklift's own functions for visit; for spend shopmind's, because
    sklift's check the outcome is binary (they are the same formulas, cross-checked to 1e-9
    on binary outcomes in tests/marketing/test_uplift_metrics.py)."""
    if target == "visit":
        qini = sklift_metrics.qini_auc_score(y, uplift, t)
        at_k = sklift_metrics.uplift_at_k(y, uplift, t, strategy="overall", k=K)
    else:
        qini = uplift_metrics.qini_auc_score(y, uplift, t)
        at_k = uplift_metrics.uplift_at_k(y, uplift, t, strategy="overall", k=K)
    return float(qini), float(at_k)


def run() -> dict[str, Any]:
    warnings.filterwarnings("ignore", category=FutureWarning)  # sklift's stable_cumsum
    data = splits()
    results: list[dict[str, Any]] = []
    per_seed: dict[str, list[float]] = {}
    first_split: dict[str, np.ndarray] = {}  # visit uplift on seed 0's test half, for the plot
    for target in ("visit", "spend"):
        for system in shopmind_systems(target) + peer_systems(target):
            qinis, at_ks, seconds = [], [], []
            for split in data:
                started = time.perf_counter()
                uplift = system.fit_predict(split, target)
                seconds.append(time.perf_counter() - started)
                if target == "visit" and split is data[0]:
                    first_split[system.name] = uplift
                qini, at_k = score(target, split.y_test[target], uplift, split.t_test)
                qinis.append(qini)
                at_ks.append(at_k)
            per_seed[system.name] = [round(q, 4) for q in qinis]
            results.append(
                {
                    "system": system.name,
                    "kind": system.kind,
                    "target": target,
                    "qini_auc": round(float(np.mean(qinis)), 4),
                    "qini_auc_std": round(float(np.std(qinis)), 4),
                    "uplift_at_30": round(float(np.mean(at_ks)), 4),
                    "uplift_at_30_std": round(float(np.std(at_ks)), 4),
                    "seconds": round(float(np.mean(seconds)), 2),
                    "note": system.note,
                }
            )
    results.append(
        {
            "system": "sklift tutorial (published)",
            "kind": "published",
            "target": "visit",
            "qini_auc": None,
            "qini_auc_std": None,
            "uplift_at_30": PUBLISHED_UPLIFT_AT_30,
            "uplift_at_30_std": None,
            "seconds": None,
            "note": "scikit-uplift's Hillstrom notebook (women's e-mail vs control, visit): "
            "uplift@30 = 0.0661 on its own single split; no Qini reported; not re-run here",
        }
    )

    def best(kind: str, target: str, metric: str) -> dict[str, Any]:
        rows = [r for r in results if r["kind"] == kind and r["target"] == target]
        return max(rows, key=lambda r: r[metric])

    ours, peer = best("shopmind", "visit", "qini_auc"), best("peer", "visit", "qini_auc")
    ratio = ours["qini_auc"] / peer["qini_auc"]
    test = data[0]
    uplift_metrics.plot_qini(
        {
            name: (test.y_test["visit"], first_split[name], test.t_test)
            for name in (ours["system"], peer["system"], "sklift:solo-model[lightgbm]")
        },
        benchmarks_dir() / "results" / "marketing-uplift-qini.png",
        title="Hillstrom, women's e-mail, visit: seed 0's test half",
    )
    summary: dict[str, Any] = {}
    for target in ("visit", "spend"):
        for metric in ("qini_auc", "uplift_at_30"):
            o, p = best("shopmind", target, metric), best("peer", target, metric)
            summary[f"{target}:{metric}"] = {
                "best_shopmind": o["system"],
                "shopmind": o[metric],
                "best_peer": p["system"],
                "peer": p[metric],
                "ratio": round(o[metric] / p[metric], 3),
            }
    return {
        "study": "marketing-uplift",
        "dataset": "Hillstrom MineThatData e-mail (2008): the 21,387 women's e-mail and 21,306 "
        "no-e-mail customers (men's e-mail rows dropped); features recency, history, mens, "
        "womens, newbie, zip_code and channel one-hot (11 columns); targets visit (binary, "
        "12.9%) and spend (dollars)",
        "protocol": "10 splits (seeds 0-9) of 50% train / 50% test, stratified on treatment x "
        "visit (the same splits for both targets); every system is fitted on the train half "
        "and ranks the test half in this process; qini_auc = sklift.metrics.qini_auc_score "
        "(negative_effect=True), uplift_at_30 = sklift.metrics.uplift_at_k(strategy='overall', "
        "k=0.3); for spend, shopmind's identical re-implementations (sklift's reject a "
        "non-binary outcome); means and population std over the 10 test halves; seconds = "
        "fit + predict per split on 2 shared cores. Tuned settings were chosen on validation "
        "carve-outs of train halves only (see the study's source); the published row is "
        "from a different split and not comparable in detail",
        "results": results,
        "qini_auc_per_seed": per_seed,
        "summary": summary,
        "target": {
            "description": f"issue 4: best shopmind mean qini_auc (visit) >= {TARGET_RATIO} x "
            f"the best peer's ({ours['system']} {ours['qini_auc']:.4f} vs {peer['system']} "
            f"{peer['qini_auc']:.4f}, ratio {ratio:.3f})",
            "threshold_ratio": TARGET_RATIO,
            "best_system": ours["system"],
            "best_qini_auc": ours["qini_auc"],
            "best_peer": peer["system"],
            "best_peer_qini_auc": peer["qini_auc"],
            "ratio": round(ratio, 3),
            "met": bool(ratio >= TARGET_RATIO),
        },
    }
