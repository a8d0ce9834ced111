"""The marketing engine: segments, value, propensities and uplift per customer, and plans.

`fit` summarises every customer as of the newest activity in the snapshot (or `as_of`):
their RFM segment and behavioural cluster, lifetime value (BG/NBD + Gamma-Gamma), calibrated
purchase and churn propensities, and, when the shop has past campaigns with a control arm, the
uplift an offer would have on their purchase probability (with bootstrap draws for intervals).
`plan` turns those scores into a budgeted campaign; `evaluate` measures each part on a
hold-out of the shop's own data.

The default uplift learner is the S-learner: a shop's past campaigns are usually small, and the
S-learner shrinks effects toward zero instead of chasing noise. In the marketing-campaign study
(the sample shop, about 4,800 past contacts) it was the only learner whose plans beat break-even
on the planted truth at every budget; all five are close to it there (see the README).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError, NotFoundError
from shopmind.marketing.campaign import CampaignPlan, Offer, plan_campaign
from shopmind.marketing.clv import customer_value
from shopmind.marketing.experiments import CampaignExamples, NoCampaigns, campaign_examples
from shopmind.marketing.features import customer_features
from shopmind.marketing.propensity import evaluate_propensity, fit_propensity
from shopmind.marketing.segments import cluster_segments, profiles, rfm
from shopmind.marketing.uplift import UPLIFT_MODELS, UpliftModel
from shopmind.marketing.uplift_metrics import (
    perfect_qini_curve,
    qini_auc_score,
    qini_curve,
    uplift_at_k,
    uplift_curve,
)
from shopmind.recommend.rules import Rules

if TYPE_CHECKING:
    from shopmind.recommend.engine import RecommendEngine

__all__ = ["MarketingEngine", "UpliftHoldout"]

log = logging.getLogger("shopmind.marketing")

Kind = Literal["rfm", "cluster"]


@dataclass(frozen=True)
class UpliftHoldout:
    """Past campaign examples with the uplift predicted by models that did not see them (the
    out-of-bag mean of the bootstrap models): enough to draw honest Qini and uplift curves."""

    converted: np.ndarray
    treatment: np.ndarray
    uplift: np.ndarray
    randomized: bool


class MarketingEngine:
    """Who the customers are, what they are worth, and whom an offer changes."""

    name = "marketing"
    uplift_holdout_: UpliftHoldout | None
    uplift_draws_: np.ndarray | None

    def __init__(
        self,
        *,
        as_of: pd.Timestamp | str | None = None,
        horizon_days: int = 28,
        value_horizon_days: int = 365,
        uplift_model: str = "s-learner",
        bootstrap: int = 20,
        random_state: int = 0,
    ) -> None:
        self.as_of = as_of
        self.horizon_days = horizon_days
        self.value_horizon_days = value_horizon_days
        self.uplift_model = uplift_model
        self.bootstrap = bootstrap
        self.random_state = random_state

    # --- training -----------------------------------------------------------------------------

    def fit(self, shop: Shop) -> Self:
        if self.uplift_model not in UPLIFT_MODELS:
            raise ValueError(
                f"unknown uplift model {self.uplift_model!r}; models: {', '.join(UPLIFT_MODELS)}"
            )
        purchases = shop.purchases()
        if purchases.empty:
            raise InsufficientDataError("the shop has no orders: marketing needs purchases")
        as_of = self._as_of(shop, purchases)
        purchases = purchases[pd.to_datetime(purchases["ordered_at"]) < as_of]
        self.as_of_ = as_of
        self.rfm_ = rfm(purchases, as_of=as_of)
        self.clusters_ = cluster_segments(self.rfm_, random_state=self.random_state)
        products = shop.tables["products"]
        self.profiles_: dict[Kind, pd.DataFrame] = {
            "rfm": profiles(purchases, self.rfm_, products),
            "cluster": profiles(purchases, self.clusters_.segments, products),
        }
        features = customer_features(shop, as_of)
        scores = pd.DataFrame(index=features.index)
        scores["segment"] = self.rfm_["segment"].reindex(scores.index).fillna("no purchases")
        scores["cluster"] = self.clusters_.segments.reindex(scores.index)
        scores = scores.join(self._value(purchases, as_of))
        for target in ("purchase", "churn"):
            scores[f"p_{target}"] = self._propensity(shop, target, as_of, scores.index)
        mean_order = float(purchases.groupby("order_id")["revenue"].sum().mean())
        scores["order_value"] = scores["expected_order_value"].fillna(mean_order)
        self.uplift_fitted_ = self._uplift(shop, as_of, features, scores)
        self.scores_ = scores
        self.customer_index_ = {str(c): i for i, c in enumerate(scores.index)}
        return self

    def about(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's profile: segment, value and propensities."""
        return self.profile(customer_id) if customer_id in self.customer_index_ else None

    def forget(self, customer_ids: Collection[str]) -> int:
        """Drop these customers' scores, segments and uplift draws without refitting; returns
        how many the engine knew. Segment profiles and the fitted models are aggregates and
        stay."""
        known = [c for c in customer_ids if c in self.customer_index_]
        if not known:
            return 0
        keep = ~self.scores_.index.isin(known)
        if self.uplift_draws_ is not None:
            self.uplift_draws_ = self.uplift_draws_[:, keep]
        self.scores_ = self.scores_[keep]
        self.rfm_ = self.rfm_.drop(index=known, errors="ignore")
        labels = self.clusters_.labels.drop(index=known, errors="ignore")
        self.clusters_ = replace(self.clusters_, labels=labels)
        self.customer_index_ = {str(c): i for i, c in enumerate(self.scores_.index)}
        return len(known)

    def _as_of(self, shop: Shop, purchases: pd.DataFrame) -> pd.Timestamp:
        if self.as_of is not None:
            return pd.Timestamp(self.as_of)
        newest = pd.to_datetime(purchases["ordered_at"]).max()
        events = shop.tables["events"]
        if not events.empty:
            newest = max(newest, pd.to_datetime(events["ts"]).max())
        return pd.Timestamp(newest) + pd.Timedelta(seconds=1)

    def _value(self, purchases: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
        columns = ["expected_purchases", "probability_alive", "expected_order_value", "clv"]
        try:
            value = customer_value(purchases, as_of=as_of, horizon_days=self.value_horizon_days)
        except InsufficientDataError as error:
            log.warning("no lifetime values: %s", error)
            return pd.DataFrame(columns=columns, dtype=np.float64)
        return value.rename(columns={"expected_spend": "expected_order_value"})[columns]

    def _propensity(
        self, shop: Shop, target: Literal["purchase", "churn"], as_of: pd.Timestamp, index: pd.Index
    ) -> pd.Series:
        try:
            model = fit_propensity(shop, target=target, horizon_days=self.horizon_days, as_of=as_of)
        except InsufficientDataError as error:
            log.warning("no %s propensity: %s", target, error)
            return pd.Series(np.nan, index=index)
        return model.scores.reindex(index)

    def _uplift(
        self, shop: Shop, as_of: pd.Timestamp, features: pd.DataFrame, scores: pd.DataFrame
    ) -> bool:
        """Fit the uplift model on past campaigns and score everyone now; False without any."""
        try:
            examples = campaign_examples(shop, as_of)
        except NoCampaigns as error:
            log.warning("no uplift model: %s", error)
            scores["p_control"] = scores["p_purchase"].fillna(0.0)
            scores["uplift"] = np.nan
            self.uplift_draws_ = None
            self.uplift_holdout_ = None
            return False
        columns = list(examples.features.columns)
        now = features.reindex(columns=columns, fill_value=0.0)
        model = self._new_uplift(examples.randomized).fit(
            examples.features, examples.treatment, examples.converted
        )
        self.uplift_randomized_ = examples.randomized
        scores["p_control"] = self._baseline(model, examples, now)
        self.uplift_draws_ = self._draws(examples, now)
        # With bootstrap draws the uplift is their mean (bagging): steadier than one model, and
        # the plan's point estimate and interval then come from the same models.
        scores["uplift"] = (
            model.predict(now) if self.uplift_draws_ is None else self.uplift_draws_.mean(axis=0)
        )
        return True

    def _new_uplift(self, randomized: bool) -> UpliftModel:
        model: UpliftModel = clone(UPLIFT_MODELS[self.uplift_model]())
        return model.set_params(randomized=randomized)

    def _baseline(self, model: UpliftModel, examples: CampaignExamples, now: pd.DataFrame) -> Any:
        if hasattr(model, "predict_outcomes"):
            return model.predict_outcomes(now)[0]
        control = UPLIFT_MODELS["t-learner"]().set_params(randomized=examples.randomized)
        control.fit(examples.features, examples.treatment, examples.converted)
        return control.predict_outcomes(now)[0]

    def _draws(self, examples: CampaignExamples, now: pd.DataFrame) -> np.ndarray | None:
        """Uplift of everyone under models refitted on bootstrap resamples (by arm). Each
        model also scores the examples it did not see, for the hold-out curves."""
        self.uplift_holdout_ = None
        if self.bootstrap < 2:
            return None
        rng = np.random.default_rng(self.random_state)
        arms = [np.flatnonzero(examples.treatment == t) for t in (0, 1)]
        draws = []
        oob_sum = np.zeros(len(examples))
        oob_count = np.zeros(len(examples))
        for _ in range(self.bootstrap):
            rows = np.concatenate([rng.choice(arm, size=len(arm)) for arm in arms])
            model = self._new_uplift(examples.randomized).fit(
                examples.features.iloc[rows], examples.treatment[rows], examples.converted[rows]
            )
            draws.append(model.predict(now))
            unseen = np.setdiff1d(np.arange(len(examples)), rows)
            if unseen.size:
                oob_sum[unseen] += model.predict(examples.features.iloc[unseen])
                oob_count[unseen] += 1
        seen = oob_count > 0
        if len(np.unique(examples.treatment[seen])) == 2:
            self.uplift_holdout_ = UpliftHoldout(
                converted=examples.converted[seen].astype(np.float32),
                treatment=examples.treatment[seen].astype(np.int8),
                uplift=(oob_sum[seen] / oob_count[seen]).astype(np.float32),
                randomized=examples.randomized,
            )
        return np.vstack(draws).astype(np.float32)

    # --- answers ------------------------------------------------------------------------------

    def profile(self, customer_id: str) -> dict[str, Any]:
        """Segment, value and propensities of one customer (NotFoundError if unknown)."""
        row = self._row(customer_id)
        known = customer_id in self.rfm_.index

        def rfm_value(column: str) -> Any:
            return self.rfm_.at[customer_id, column] if known else None

        return {
            "customer_id": customer_id,
            "as_of": self.as_of_.isoformat(),
            "segment": {
                "name": str(row["segment"]),
                "rfm": str(rfm_value("rfm")) if known else None,
                "recency_days": _number(rfm_value("recency_days")),
                "frequency": int(_number(rfm_value("frequency")) or 0),
                "monetary": _number(rfm_value("monetary")) or 0.0,
                "cluster": None if pd.isna(row["cluster"]) else str(row["cluster"]),
            },
            "value": {
                "horizon_days": self.value_horizon_days,
                "expected_purchases": _number(row["expected_purchases"]),
                "probability_alive": _number(row["probability_alive"]),
                "expected_order_value": _number(row["expected_order_value"]),
                "clv": _number(row["clv"]),
            },
            "propensities": {
                "horizon_days": self.horizon_days,
                "purchase": _number(row["p_purchase"]),
                "churn": _number(row["p_churn"]),
                "uplift": _number(row["uplift"]),
            },
        }

    def segment_profiles(self, kind: Kind = "rfm") -> pd.DataFrame:
        return self.profiles_[kind]

    def clv_distribution(self, bins: int = 20) -> dict[str, Any]:
        """Histogram of the customers' lifetime values: `bins` equal bins from the lowest value
        to the 99th percentile, the last also holding everything above it (so one big spender
        does not squash the chart). Customers without a value are counted as `missing`."""
        if bins < 1:
            raise ValueError(f"bins must be >= 1, not {bins}")
        values = self.scores_["clv"].to_numpy(dtype=np.float64)
        known = values[np.isfinite(values)]
        result: dict[str, Any] = {
            "horizon_days": self.value_horizon_days,
            "customers": len(values),
            "missing": int(len(values) - len(known)),
            "edges": [],
            "counts": [],
            "mean": None,
            "median": None,
            "total": None,
            "max": None,
        }
        if known.size == 0:
            return result
        low, high = float(known.min()), float(np.quantile(known, 0.99))
        if high <= low:
            high = low + 1.0
        counts, edges = np.histogram(np.clip(known, low, high), bins=bins, range=(low, high))
        result.update(
            edges=[round(float(e), 2) for e in edges],
            counts=[int(c) for c in counts],
            mean=float(known.mean()),
            median=float(np.median(known)),
            total=float(known.sum()),
            max=float(known.max()),
        )
        return result

    def uplift_curves(self, points: int = 50) -> dict[str, Any]:
        """Qini, perfect-Qini and uplift curves of the uplift model on past campaign examples,
        each scored by the bootstrap models that did not see it (out-of-bag), at `points`
        evenly spaced shares of the customers targeted (x from 0 to 1). The random-targeting
        line runs from (0, 0) to (1, `random_end`). InsufficientDataError without them."""
        if points < 2:
            raise ValueError(f"points must be >= 2, not {points}")
        holdout: UpliftHoldout | None = getattr(self, "uplift_holdout_", None)
        if holdout is None:
            reason = (
                "the shop had no finished campaign with a control arm"
                if not self.uplift_fitted_
                else "the model was trained without bootstrap hold-out scores (retrain it)"
            )
            raise InsufficientDataError(f"no uplift curves: {reason}")
        y, t, u = holdout.converted, holdout.treatment, holdout.uplift
        n = float(len(y))
        grid = np.linspace(0.0, 1.0, points)

        def sampled(curve: tuple[np.ndarray, np.ndarray]) -> list[float]:
            x, value = curve
            return [round(float(v), 4) for v in np.interp(grid, x / n, value)]

        qini = qini_curve(y, u, t)
        return {
            "examples": int(n),
            "treated": int(t.sum()),
            "randomized": holdout.randomized,
            "qini_coefficient": round(float(qini_auc_score(y, u, t)), 4),
            "x": [round(float(v), 4) for v in grid],
            "qini": sampled(qini),
            "perfect_qini": sampled(perfect_qini_curve(y, t)),
            "uplift": sampled(uplift_curve(y, u, t)),
            "random_end": round(float(qini[1][-1]), 4),
        }

    def plan(
        self,
        offer: Offer,
        *,
        budget: float | None = None,
        max_contacts: int | None = None,
        customers: Sequence[str] | None = None,
        segments: Sequence[str] | None = None,
        recommender: RecommendEngine | None = None,
    ) -> CampaignPlan:
        """A budgeted plan for `offer` over the eligible customers (default: all), each contact
        with an in-stock product to feature when a recommender is given."""
        if not self.uplift_fitted_:
            raise InsufficientDataError(
                "campaign plans need an uplift model, and the shop had no finished campaign "
                "with a control arm to learn it from: import a campaigns table and retrain"
            )
        table = self.scores_
        positions = np.arange(len(table))
        if customers is not None:
            unknown = [c for c in customers if c not in self.customer_index_]
            if unknown:
                shown = ", ".join(repr(c) for c in unknown[:5])
                raise NotFoundError(f"{len(unknown)} unknown customer(s) in the audience: {shown}")
            positions = np.unique(
                np.asarray([self.customer_index_[c] for c in customers], dtype=np.int64)
            )
        if segments is not None:
            known = set(table["segment"])
            unknown = [s for s in segments if s not in known]
            if unknown:
                raise NotFoundError(
                    f"unknown segment(s) {unknown}; segments: {', '.join(sorted(known))}"
                )
            positions = positions[table["segment"].iloc[positions].isin(segments).to_numpy()]
        chosen = table.iloc[positions][["p_control", "uplift", "order_value"]]
        draws = None if self.uplift_draws_ is None else self.uplift_draws_[:, positions]
        result = plan_campaign(
            chosen, offer, budget=budget, max_contacts=max_contacts, uplift_draws=draws
        )
        if recommender is not None:
            rules = Rules(in_stock_only=True, exclude_purchased=True)
            featured = [
                next(iter(recommender.recommend(str(c), k=1, rules=rules).items), None)
                for c in result.contacts["customer_id"]
            ]
            result.contacts["featured_product"] = [None if f is None else f[0] for f in featured]
        return result

    def _row(self, customer_id: str) -> pd.Series:
        position = self.customer_index_.get(customer_id)
        if position is None:
            raise NotFoundError(f"unknown customer {customer_id!r}")
        return self.scores_.iloc[position]

    # --- evaluation ---------------------------------------------------------------------------

    def evaluate(self, shop: Shop, **_: Any) -> dict[str, Any]:
        """Each part on a hold-out of the shop's own data: propensities on the last window,
        uplift on half of the past campaigns (stratified by arm and outcome)."""
        results: dict[str, Any] = {"horizon_days": self.horizon_days}
        for target in ("purchase", "churn"):
            try:
                results[target] = evaluate_propensity(shop, target, self.horizon_days, self.as_of)
            except InsufficientDataError as error:
                results[target] = {"error": str(error)}
        results["uplift"] = self._evaluate_uplift(shop)
        return results

    def _evaluate_uplift(self, shop: Shop) -> dict[str, Any]:
        purchases = shop.purchases()
        if purchases.empty:
            return {"error": "the shop has no orders"}
        try:
            examples = campaign_examples(shop, self._as_of(shop, purchases))
        except InsufficientDataError as error:
            return {"error": str(error)}
        strata = examples.treatment * 2 + examples.converted
        folds = StratifiedKFold(2, shuffle=True, random_state=self.random_state)
        train, test = next(folds.split(examples.features, strata))
        x = examples.features
        rows: dict[str, Any] = {"examples": len(examples), "randomized": examples.randomized}
        for name in UPLIFT_MODELS:
            model = UPLIFT_MODELS[name]().set_params(randomized=examples.randomized)
            model.fit(x.iloc[train], examples.treatment[train], examples.converted[train])
            predicted = model.predict(x.iloc[test])
            y, t = examples.converted[test], examples.treatment[test]
            rows[name] = {
                "qini_auc": round(float(qini_auc_score(y, predicted, t)), 4),
                "uplift@30": round(float(uplift_at_k(y, predicted, t, k=0.3)), 4),
            }
        return rows


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
