"""What counts as an interaction: purchases, plus browsing events weighted by what they say.

Engines, evaluation and benchmarks all build their customer x product matrices from here, so
the weighting is stated once.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import scipy.sparse as sp

from shopmind.data.snapshot import Shop

__all__ = ["EVENT_WEIGHTS", "bought", "interaction_frame", "interactions"]

EVENT_WEIGHTS: Mapping[str, float] = {
    "view": 0.1,
    "click": 0.1,
    "cart": 0.5,
    "wishlist": 0.5,
    "rating": 0.3,
    "purchase": 1.0,
}
"""How much one event counts next to one purchased order line (1.0). Stored purchases come from
the order lines, so purchase events count only in a live session."""


def bought(shop: Shop, until: pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchased order lines that were not cancelled (placed before `until`, if given)."""
    lines = shop.purchases()
    lines = lines[lines.status != "cancelled"]
    return lines if until is None else lines[lines.ordered_at < until]


def interaction_frame(shop: Shop, weights: Mapping[str, float] = EVENT_WEIGHTS) -> pd.DataFrame:
    """customer_id, product_id, ts, weight, bought: one row per purchase line or event."""
    lines = bought(shop)
    purchases = pd.DataFrame(
        {
            "customer_id": lines.customer_id,
            "product_id": lines.product_id,
            "ts": lines.ordered_at,
            "weight": 1.0,
            "bought": True,
        }
    )
    events = shop.tables["events"].dropna(subset=["customer_id", "product_id"])
    events = events[events.type != "purchase"]
    weight = events.type.map(dict(weights)).astype("float64").fillna(0.0)
    browsing = pd.DataFrame(
        {
            "customer_id": events.customer_id,
            "product_id": events.product_id,
            "ts": events.ts,
            "weight": weight,
            "bought": False,
        }
    )[weight > 0]
    frame = pd.concat([purchases, browsing], ignore_index=True)
    return frame.sort_values("ts", kind="stable").reset_index(drop=True)


def interactions(
    shop: Shop, *, until: pd.Timestamp | None = None, weights: Mapping[str, float] = EVENT_WEIGHTS
) -> sp.csr_matrix:
    """Customers x products interaction strengths (before `until`, if given)."""
    frame = interaction_frame(shop, weights)
    if until is not None:
        frame = frame[frame.ts < until]
    return shop.matrix(frame, value="weight")
