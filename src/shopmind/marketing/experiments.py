"""Past campaigns as training examples for uplift models.

Each row of the `campaigns` table (a customer assigned to an arm of a campaign) becomes one
example: the customer's features as they were when the offer went out (nothing later), the arm
(treated = any arm but the control) and the outcome (converted, and revenue where recorded).
Campaigns still inside their conversion window at `as_of` are left out: their outcomes are not
known yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from shopmind.data.schema import CONTROL_ARM
from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError
from shopmind.marketing.features import customer_features

__all__ = ["CampaignExamples", "NoCampaigns", "campaign_examples"]

WINDOW_DAYS: Final = 14
"""The conversion window assumed when deciding whether a campaign's outcomes are in."""


class NoCampaigns(InsufficientDataError):
    """The shop has no finished campaign to learn from (as opposed to unusable campaign data)."""


@dataclass(frozen=True)
class CampaignExamples:
    """Aligned arrays, one entry per (campaign, customer)."""

    features: pd.DataFrame
    treatment: np.ndarray
    """1 for an offer arm, 0 for the control arm."""
    converted: np.ndarray
    revenue: np.ndarray
    campaign_id: np.ndarray
    customer_id: np.ndarray
    randomized: bool
    """False when any campaign says its arms were not assigned at random."""

    def __len__(self) -> int:
        return len(self.treatment)


def campaign_examples(
    shop: Shop, as_of: pd.Timestamp, *, window_days: int = WINDOW_DAYS
) -> CampaignExamples:
    """Every finished campaign before `as_of` as uplift training examples."""
    table = shop.tables["campaigns"]
    if table.empty:
        raise NoCampaigns(
            "the shop has no campaigns: uplift needs past offers with a control arm "
            "(import a campaigns table)"
        )
    table = table.copy()
    sent = pd.to_datetime(table["sent_at"])
    if sent.isna().any():
        first = int(np.flatnonzero(sent.isna().to_numpy())[0])
        raise InsufficientDataError(
            f"campaign {table['campaign_id'].iloc[first]!r} has rows without sent_at: the "
            "features of its customers cannot be dated"
        )
    table["sent_at"] = sent
    done = table[table["sent_at"] + pd.Timedelta(days=window_days) <= as_of]
    if done.empty:
        raise NoCampaigns(
            f"no campaign finished its {window_days}-day window before {as_of}: "
            "their outcomes are not known yet"
        )
    if done["converted"].isna().all():
        raise InsufficientDataError(
            "the campaigns have no outcomes: fill the converted column "
            "(bought within the campaign window)"
        )
    done = done[done["converted"].notna()]
    parts = []
    for when, rows in done.groupby("sent_at", sort=True):
        stamp = pd.Timestamp(str(when))
        features = customer_features(shop, stamp, customers=pd.Index(rows["customer_id"].unique()))
        parts.append(features.reindex(rows["customer_id"]).fillna(0.0))
    ordered = done.sort_values("sent_at", kind="stable")
    features = pd.concat(parts, ignore_index=True)
    randomized = ordered["randomized"].fillna(True).astype(bool)
    return CampaignExamples(
        features=features,
        treatment=(ordered["treatment"] != CONTROL_ARM).to_numpy(dtype=np.int64),
        converted=ordered["converted"].astype(bool).to_numpy(dtype=np.int64),
        revenue=ordered["revenue"].fillna(0.0).to_numpy(dtype=np.float64),
        campaign_id=ordered["campaign_id"].astype(str).to_numpy(),
        customer_id=ordered["customer_id"].astype(str).to_numpy(),
        randomized=bool(randomized.all()),
    )
