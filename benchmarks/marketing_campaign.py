"""marketing-campaign: budgeted coupon plans on the sample shop, judged by its planted uplift.

The sample shop ran three randomised coupon campaigns; the planted effect of each on a
customer's conversion depends on their (hidden) segment. The marketing engine is trained as of
the third campaign's send time, so it learns uplift from the first two only, and plans the third
(a 20% coupon) for its whole audience. Every plan is then valued with the planted truth:

    true incremental profit of contacting i = tau_i V m - (p0_s + tau_i) V d r - c

with tau_i the planted uplift of i's segment in the third campaign, p0_s the conversion rate of
that segment's control arm in it, V the campaign's mean converted spend, margin m, discount d,
redemption r and contact cost c. The oracle contacts the customers with the highest positive true
profit. Budgets are 10%, 20% and 30% of the audience (a contact limit). Peers in the same run:
targeting by purchase propensity (the engine's own calibrated model) and at random. Issue 4's
target: shopmind at least 90% of the oracle at every budget, and above the propensity plan.

The segment is hidden, and what a model can see (behaviour, age band, newsletter flag) only
hints at it. The "observable bound" row shows how far that information goes: a classifier
trained on the *hidden* segment labels themselves (cross-fitted, so nobody is scored by a model
that saw their label) predicts each customer's segment probabilities from the same features, and
the plan contacts the highest expected true profit. No uplift model can see more than it does,
so the oracle share it reaches is about the most any plan built on the shop's data can reach.
"""

from __future__ import annotations

import time
from typing import Any, Final

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.model_selection import cross_val_predict

from shopmind.data import sample
from shopmind.data.schema import CONTROL_ARM
from shopmind.data.snapshot import Shop
from shopmind.marketing.campaign import Offer
from shopmind.marketing.engine import MarketingEngine
from shopmind.marketing.features import customer_features

SEEDS: Final = (42, 43, 44)
BUDGETS: Final = (0.1, 0.2, 0.3)
TEST_CAMPAIGN: Final = "cmp-03"
MARGIN: Final = 0.5
COST: Final = 0.25
REDEMPTION: Final = 0.6
TARGET: Final = 0.9


def _truth(shop: sample.SampleShop) -> tuple[pd.DataFrame, Offer]:
    """The test campaign's audience with each customer's true incremental profit."""
    truth = shop.truth
    row = truth.campaigns.set_index("campaign_id").loc[TEST_CAMPAIGN]
    offer = Offer(COST, float(row["discount"]), MARGIN, REDEMPTION)
    table = shop.tables["campaigns"]
    table = table[table["campaign_id"] == TEST_CAMPAIGN].set_index("customer_id")
    segment = truth.segment.reindex(table.index).astype(str)
    uplift = truth.uplift[truth.uplift["campaign_id"] == TEST_CAMPAIGN].set_index("segment")
    control = table["treatment"] == CONTROL_ARM
    p0 = table[control].groupby(segment[control])["converted"].mean()
    spend = float(table.loc[table["converted"].astype(bool), "revenue"].mean())
    audience = pd.DataFrame(
        {
            "segment": segment,
            "tau": uplift["uplift"].reindex(segment).to_numpy(),
            "p0": p0.reindex(segment).to_numpy(),
        },
        index=table.index,
    )
    audience["value"] = offer.incremental_profit(
        audience["p0"].to_numpy(), audience["tau"].to_numpy(), np.full(len(audience), spend)
    )
    return audience, offer


def _observable_bound(
    shop: sample.SampleShop, snapshot: Shop, audience: pd.DataFrame, when: pd.Timestamp
) -> pd.Series:
    """Expected true profit per audience member given cross-fitted segment probabilities."""
    features = customer_features(snapshot, when, customers=audience.index)
    segment = shop.truth.segment.reindex(features.index).astype(str)
    classifier = LGBMClassifier(
        n_estimators=200, learning_rate=0.05, num_leaves=15, verbose=-1, n_jobs=1
    )
    probability = cross_val_predict(classifier, features, segment, cv=5, method="predict_proba")
    value = audience.groupby("segment")["value"].first()
    classes = sorted(segment.unique())
    frame = pd.DataFrame(probability, index=features.index, columns=classes)
    return (frame[value.index] @ value).reindex(audience.index)


def _worth(audience: pd.DataFrame, chosen: pd.Index) -> float:
    return float(audience["value"].reindex(chosen).sum())


def _one_seed(seed: int) -> list[dict[str, Any]]:
    shop = sample.generate(seed)
    audience, offer = _truth(shop)
    sent_at = pd.Timestamp(
        shop.truth.campaigns.set_index("campaign_id").loc[TEST_CAMPAIGN, "sent_at"]
    )
    snapshot = Shop.from_frames(shop.tables)
    started = time.perf_counter()
    engine = MarketingEngine(as_of=sent_at).fit(snapshot)
    fit_seconds = time.perf_counter() - started
    customers = list(audience.index)
    propensity = engine.scores_["p_purchase"].reindex(audience.index)
    bound = _observable_bound(shop, snapshot, audience, sent_at)
    rng = np.random.default_rng(seed)
    shuffled = audience.index[rng.permutation(len(audience))]
    rows = []
    for share in BUDGETS:
        k = round(share * len(audience))
        best = audience["value"].sort_values(ascending=False, kind="stable").head(k)
        oracle = _worth(audience, best.index[best.to_numpy() > 0])
        plan = engine.plan(offer, max_contacts=k, customers=customers)
        chosen = {
            "shopmind:plan": pd.Index(plan.contacts["customer_id"]),
            "purchase propensity": propensity.sort_values(ascending=False).head(k).index,
            "random": shuffled[:k],
            "observable bound": bound[bound > 0].sort_values(ascending=False).head(k).index,
        }
        for system, who in chosen.items():
            rows.append(
                {
                    "seed": seed,
                    "budget": share,
                    "system": system,
                    "share_of_oracle": _worth(audience, who) / oracle,
                    "contacts": len(who),
                    "profit": _worth(audience, who),
                    "oracle_profit": oracle,
                    "fit_seconds": fit_seconds,
                }
            )
    return rows


def run() -> dict[str, Any]:
    rows = pd.DataFrame([row for seed in SEEDS for row in _one_seed(seed)])
    results: list[dict[str, Any]] = []
    kinds = {
        "shopmind:plan": "shopmind",
        "purchase propensity": "peer",
        "random": "peer",
        "observable bound": "reference",
    }
    for (system, share), group in rows.groupby(["system", "budget"], sort=False):
        results.append(
            {
                "system": f"{system} @ {share:.0%}",
                "kind": kinds[str(system)],
                "share_of_oracle": round(float(group["share_of_oracle"].mean()), 4),
                "share_std": round(float(group["share_of_oracle"].std(ddof=0)), 4),
                "contacts": round(float(group["contacts"].mean()), 1),
                "profit": round(float(group["profit"].mean()), 2),
                "oracle_profit": round(float(group["oracle_profit"].mean()), 2),
            }
        )
    mean = rows.groupby(["system", "budget"])["share_of_oracle"].mean()
    ours = mean.loc["shopmind:plan"]
    propensity = mean.loc["purchase propensity"]
    return {
        "study": "marketing-campaign",
        "dataset": f"the sample shop (seeds {', '.join(map(str, SEEDS))}, 3,000 customers, "
        "730 days), campaign cmp-03's audience",
        "protocol": (
            f"engine trained as of {TEST_CAMPAIGN}'s send time (learns uplift from cmp-01 and "
            f"cmp-02); offer: its 20% coupon, margin {MARGIN}, contact cost {COST}, "
            f"redemption {REDEMPTION}; budgets = contact limits of 10/20/30% of the audience; "
            "plans valued by the planted uplift (see the study's docstring); mean over seeds"
        ),
        "results": results,
        "target": {
            "description": (
                f"issue 4: shopmind's plan >= {TARGET:.0%} of the oracle at every budget "
                f"(got {', '.join(f'{v:.1%}' for v in ours)}) and above the purchase-propensity "
                f"plan (got {', '.join(f'{v:.1%}' for v in propensity)})"
            ),
            "met": bool((ours >= TARGET).all() and (ours > propensity).all()),
        },
        "fit_seconds": round(float(rows["fit_seconds"].mean()), 1),
    }
