"""The planner's arithmetic: profit per contact, ranking, budget, contact limit, intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.errors import InsufficientDataError
from shopmind.marketing.campaign import Offer, plan_campaign


def scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "p_control": [0.10, 0.50, 0.05, 0.20, 0.00],
            "uplift": [0.10, 0.00, 0.02, -0.05, 0.30],
            "order_value": [100.0, 100.0, 50.0, 80.0, 10.0],
        },
        index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"),
    )


OFFER = Offer(cost_per_contact=1.0, discount=0.1, margin=0.4)


def test_incremental_profit_by_hand() -> None:
    s = scores()
    profit = OFFER.incremental_profit(
        s.p_control.to_numpy(), s.uplift.to_numpy(), s.order_value.to_numpy()
    )
    # a: 0.1*100*0.4 - 0.2*100*0.1 - 1 = 4 - 2 - 1 = 1
    # b: 0 - 0.5*100*0.1 - 1 = -6 (a coupon to someone who buys anyway)
    # c: 0.02*50*0.4 - 0.07*50*0.1 - 1 = 0.4 - 0.35 - 1 = -0.95
    # d: -0.05*80*0.4 - 0.15*80*0.1 - 1 = -1.6 - 1.2 - 1 = -3.8
    # e: 0.3*10*0.4 - 0.3*10*0.1 - 1 = 1.2 - 0.3 - 1 = -0.1
    np.testing.assert_allclose(profit, [1.0, -6.0, -0.95, -3.8, -0.1])


def test_only_profitable_customers_are_contacted_best_first() -> None:
    cheap = Offer(cost_per_contact=0.0, discount=0.0, margin=0.5)
    plan = plan_campaign(scores(), cheap)
    # profit = uplift * value * 0.5: a 5, e 1.5, c 0.5; b 0; d -2
    assert plan.contacts.customer_id.tolist() == ["a", "e", "c"]
    assert plan.contacts["rank"].tolist() == [1, 2, 3]
    assert plan.incremental_profit == pytest.approx(7.0)
    assert plan.incremental_conversions == pytest.approx(0.1 + 0.3 + 0.02)
    assert plan.audience == 5


def test_budget_counts_contacts_and_expected_coupons() -> None:
    offer = Offer(cost_per_contact=1.0, discount=0.05, margin=0.5)
    # spend = 1 + p_treated * value * 0.05: a 1 + 0.2*100*0.05 = 2; e 1 + 0.3*10*0.05 = 1.15
    plan = plan_campaign(scores(), offer, budget=2.5)
    assert plan.contacts.customer_id.tolist() == ["a"]
    assert plan.spend == pytest.approx(2.0)
    plan = plan_campaign(scores(), offer, budget=3.15)
    assert plan.contacts.customer_id.tolist() == ["a", "e"]
    assert plan.spend == pytest.approx(3.15)
    assert plan.spend <= 3.15


def test_contact_limit_and_zero_budget() -> None:
    cheap = Offer(cost_per_contact=0.0, discount=0.0, margin=0.5)
    assert plan_campaign(scores(), cheap, max_contacts=1).contacts.customer_id.tolist() == ["a"]
    assert plan_campaign(scores(), OFFER, budget=0.0).contacts.empty


def test_interval_from_uplift_draws_brackets_the_point_estimate() -> None:
    s = scores()
    rng = np.random.default_rng(0)
    draws = s.uplift.to_numpy()[None, :] + rng.normal(0, 0.02, size=(200, len(s)))
    cheap = Offer(cost_per_contact=0.0, discount=0.0, margin=0.5)
    plan = plan_campaign(s, cheap, uplift_draws=draws)
    low, high = plan.profit_interval
    assert low < plan.incremental_profit < high
    # three contacts, sd 0.02 each on value 100, 10, 50 at margin 0.5 -> sd of total ~1.12
    assert 2.5 < high - low < 5.0
    without = plan_campaign(s, cheap)
    assert without.profit_interval == pytest.approx((7.0, 7.0))


def test_csv_export_round_trips(tmp_path: Path) -> None:
    table = scores().assign(featured_product=["p1", "p2", "p3", "p4", "p5"])
    plan = plan_campaign(table, Offer(cost_per_contact=0.0, discount=0.0, margin=0.5))
    path = tmp_path / "plan.csv"
    plan.to_csv(path)
    back = pd.read_csv(path)
    assert back.customer_id.tolist() == ["a", "e", "c"]
    assert back.featured_product.tolist() == ["p1", "p5", "p3"]
    assert set(back.columns) >= {"rank", "uplift", "expected_profit", "expected_spend"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("cost_per_contact", -1.0), ("discount", 1.0), ("margin", 0.0), ("redemption", 1.5)],
)
def test_bad_offers_are_refused(field: str, value: float) -> None:
    params = {"cost_per_contact": 1.0, "discount": 0.1, "margin": 0.4, field: value}
    with pytest.raises(ValueError, match=field):
        Offer(**params)


def test_bad_plans_are_refused() -> None:
    with pytest.raises(InsufficientDataError, match="empty"):
        plan_campaign(scores().iloc[:0], OFFER)
    with pytest.raises(ValueError, match="uplift"):
        plan_campaign(scores().drop(columns="uplift"), OFFER)
    with pytest.raises(ValueError, match="budget"):
        plan_campaign(scores(), OFFER, budget=-5)
    with pytest.raises(ValueError, match="draws"):
        plan_campaign(scores(), OFFER, uplift_draws=np.zeros((3, 2)))
