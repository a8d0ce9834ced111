"""Budgeted campaign planning: whom to contact, ranked by expected incremental profit.

For a customer with baseline conversion probability p0 (without the offer), uplift tau (the
offer's effect on that probability) and expected order value v, contacting them is worth, in
expectation,

    incremental profit = tau * v * margin  -  (p0 + tau) * v * discount * redemption  -  cost

The first term is the margin on the orders the offer creates; the second is the coupon every
treated buyer redeems, *including those who would have bought anyway* (that is what makes a
coupon to a loyal customer a loss); the third is the cost of the contact. Customers are taken in
decreasing order of that profit while it is positive and the budget (contact costs plus the
expected coupon cost) and the contact limit allow. The interval of the plan's totals comes from
draws of tau (for instance the uplift model refitted on bootstrap resamples of the campaign
data): it reflects what the model does not know, not the luck of a single campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from shopmind.errors import InsufficientDataError

__all__ = ["CampaignPlan", "Offer", "plan_campaign"]

SCORE_COLUMNS: Final = ("p_control", "uplift", "order_value")
INTERVAL: Final = 0.9


@dataclass(frozen=True)
class Offer:
    """What one contact costs and gives: a coupon of `discount` (share of the order value) that
    `redemption` of treated buyers use, on goods sold at gross `margin` (share of revenue)."""

    cost_per_contact: float
    discount: float
    margin: float
    redemption: float = 1.0

    def __post_init__(self) -> None:
        checks = {
            "cost_per_contact": self.cost_per_contact >= 0,
            "discount": 0 <= self.discount < 1,
            "margin": 0 < self.margin <= 1,
            "redemption": 0 <= self.redemption <= 1,
        }
        bounds = {
            "cost_per_contact": ">= 0",
            "discount": "in [0, 1)",
            "margin": "in (0, 1]",
            "redemption": "in [0, 1]",
        }
        for name, ok in checks.items():
            value = getattr(self, name)
            if not (ok and np.isfinite(value)):
                raise ValueError(f"offer {name} must be {bounds[name]}, not {value!r}")

    def incremental_profit(
        self, p_control: np.ndarray, uplift: np.ndarray, order_value: np.ndarray
    ) -> np.ndarray:
        """Expected incremental profit of contacting each customer (see the module docstring)."""
        p_treated = np.clip(p_control + uplift, 0.0, 1.0)
        gained = (p_treated - p_control) * order_value * self.margin
        coupons = p_treated * order_value * self.discount * self.redemption
        return np.asarray(gained - coupons - self.cost_per_contact, dtype=np.float64)

    def spend(
        self, p_control: np.ndarray, uplift: np.ndarray, order_value: np.ndarray
    ) -> np.ndarray:
        """Expected money a contact uses up: its cost plus the coupons redeemed."""
        p_treated = np.clip(p_control + uplift, 0.0, 1.0)
        coupons = p_treated * order_value * self.discount * self.redemption
        return np.asarray(coupons + self.cost_per_contact, dtype=np.float64)


@dataclass(frozen=True)
class CampaignPlan:
    """The customers to contact, best first, and what the plan is expected to bring."""

    offer: Offer
    contacts: pd.DataFrame
    """customer_id, rank, p_control, uplift, order_value, expected_profit, expected_spend and,
    when known, featured_product."""
    audience: int
    """Eligible customers considered."""
    budget: float | None
    max_contacts: int | None
    incremental_conversions: float
    incremental_profit: float
    spend: float
    conversions_interval: tuple[float, float]
    profit_interval: tuple[float, float]

    def summary(self) -> dict[str, object]:
        return {
            "audience": self.audience,
            "contacts": len(self.contacts),
            "budget": self.budget,
            "max_contacts": self.max_contacts,
            "expected_spend": round(self.spend, 2),
            "incremental_conversions": round(self.incremental_conversions, 2),
            "incremental_conversions_interval": [round(v, 2) for v in self.conversions_interval],
            "incremental_profit": round(self.incremental_profit, 2),
            "incremental_profit_interval": [round(v, 2) for v in self.profit_interval],
            "interval_level": INTERVAL,
        }

    def to_csv(self, path: Path | None = None) -> str:
        """The contact list as CSV (written to `path` when given); one row per customer."""
        text = self.contacts.to_csv(index=False, float_format="%.6g")
        if path is not None:
            path.write_text(text)
        return text


def plan_campaign(
    scores: pd.DataFrame,
    offer: Offer,
    *,
    budget: float | None = None,
    max_contacts: int | None = None,
    uplift_draws: np.ndarray | None = None,
) -> CampaignPlan:
    """Choose whom to contact among `scores` (index customer_id; columns p_control, uplift,
    order_value; optional featured_product) for `offer` within `budget` (money: contact costs
    plus expected coupons) and `max_contacts`. `uplift_draws` (draws x customers, aligned with
    `scores`) give the interval of the totals; without them the interval is the point value."""
    missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"scores lack the column(s) {', '.join(missing)}")
    if scores.empty:
        raise InsufficientDataError("the campaign's audience is empty: no eligible customers")
    if budget is not None and not (np.isfinite(budget) and budget >= 0):
        raise ValueError(f"budget must be a sum of money >= 0, not {budget!r}")
    if max_contacts is not None and max_contacts < 0:
        raise ValueError(f"max_contacts must be >= 0, not {max_contacts!r}")
    p0, tau, value = (scores[c].to_numpy(dtype=np.float64) for c in SCORE_COLUMNS)
    if not (np.isfinite(p0).all() and np.isfinite(tau).all() and np.isfinite(value).all()):
        raise ValueError("scores hold missing or infinite values")
    profit = offer.incremental_profit(p0, tau, value)
    spend = offer.spend(p0, tau, value)
    chosen = _choose(profit, spend, budget, max_contacts)

    contacts = scores.iloc[chosen].copy()
    contacts.insert(0, "rank", np.arange(1, len(chosen) + 1))
    contacts["expected_profit"] = profit[chosen]
    contacts["expected_spend"] = spend[chosen]
    contacts = contacts.rename_axis("customer_id").reset_index()

    gained = np.clip(p0 + tau, 0, 1) - p0
    draws = _draws(uplift_draws, tau)[:, chosen]
    draw_profit = np.stack([offer.incremental_profit(p0[chosen], d, value[chosen]) for d in draws])
    draw_gained = np.clip(p0[chosen] + draws, 0, 1) - p0[chosen]
    return CampaignPlan(
        offer=offer,
        contacts=contacts,
        audience=len(scores),
        budget=budget,
        max_contacts=max_contacts,
        incremental_conversions=float(gained[chosen].sum()),
        incremental_profit=float(profit[chosen].sum()),
        spend=float(spend[chosen].sum()),
        conversions_interval=_interval(draw_gained.sum(axis=1)),
        profit_interval=_interval(draw_profit.sum(axis=1)),
    )


def _choose(
    profit: np.ndarray, spend: np.ndarray, budget: float | None, max_contacts: int | None
) -> np.ndarray:
    """Indices of the customers to contact: by decreasing profit, only profitable ones, while
    the cumulative spend fits the budget and the count the contact limit."""
    order = np.argsort(-profit, kind="stable")
    order = order[profit[order] > 0]
    if budget is not None:
        order = order[np.cumsum(spend[order]) <= budget + 1e-9]
    if max_contacts is not None:
        order = order[:max_contacts]
    return order


def _draws(uplift_draws: np.ndarray | None, tau: np.ndarray) -> np.ndarray:
    if uplift_draws is None:
        return tau[None, :]
    draws = np.asarray(uplift_draws, dtype=np.float64)
    if draws.ndim != 2 or draws.shape[1] != len(tau):
        raise ValueError(
            f"uplift_draws must be draws x customers ({len(tau)} customers), not {draws.shape}"
        )
    return draws


def _interval(totals: np.ndarray) -> tuple[float, float]:
    tail = (1 - INTERVAL) / 2
    low, high = np.quantile(totals, [tail, 1 - tail])
    return float(low), float(high)
