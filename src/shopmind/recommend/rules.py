"""Shop rules: what may be recommended, and how a ranking bends to the shop's interests.

Rules work on arrays aligned with the product index, so they cost next to nothing at request
time: a mask of what may be shown, a boost by margin or overstock, and a diversity re-rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["Catalogue", "Rules", "allowed_mask", "apply_rules", "diversify"]


@dataclass(frozen=True)
class Catalogue:
    """What the rules need to know of each product, aligned with the engine's product index."""

    product_ids: pd.Index
    title: np.ndarray
    category: np.ndarray
    brand: np.ndarray
    price: np.ndarray
    margin: np.ndarray
    """(price - cost) / price; NaN where unknown."""
    on_hand: np.ndarray
    """Units in stock over all locations; NaN where the shop has no stock data."""
    overstock: np.ndarray
    """On hand relative to recent sales (weeks of cover), 0 where unknown."""
    repeatable: np.ndarray
    """Items customers buy again (consumables): exempt from the already-bought rule."""

    @classmethod
    def build(
        cls,
        products: pd.DataFrame,
        inventory: pd.DataFrame,
        purchases: pd.DataFrame,
        *,
        repeat_share: float = 0.2,
    ) -> Catalogue:
        """From the snapshot's products, inventory and purchases. An item counts as repeatable
        when at least `repeat_share` of its buyers bought it in more than one order."""
        ids = pd.Index(products.product_id)
        price = products.price.to_numpy(dtype=np.float64, na_value=np.nan)
        unit_cost = inventory.groupby("product_id").unit_cost.mean().reindex(ids)
        # The catalogue's cost, else what the inventory table says a unit costs.
        cost = products.cost.fillna(unit_cost.set_axis(products.index)).to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            margin = np.where(price > 0, (price - cost) / price, np.nan)
        stock = inventory.groupby("product_id").on_hand.sum()
        on_hand = stock.reindex(ids).to_numpy(dtype=np.float64, na_value=np.nan)
        weekly = pd.Series(0.0, index=ids)
        repeatable = np.zeros(len(ids), dtype=bool)
        if not purchases.empty:
            end = purchases.ordered_at.max()
            recent = purchases[purchases.ordered_at >= end - pd.Timedelta(weeks=8)]
            weekly = recent.groupby("product_id").quantity.sum().reindex(ids).fillna(0.0) / 8
            orders_per_buyer = purchases.groupby(["product_id", "customer_id"]).order_id.nunique()
            repeat = (orders_per_buyer > 1).groupby(level="product_id").mean()
            repeatable = repeat.reindex(ids).fillna(0.0).to_numpy() >= repeat_share
        with np.errstate(divide="ignore", invalid="ignore"):
            cover = np.where(weekly.to_numpy() > 0, on_hand / weekly.to_numpy(), 0.0)
        return cls(
            product_ids=ids,
            title=products.title.fillna("").to_numpy(dtype=object),
            category=products.category.fillna("").to_numpy(dtype=object),
            brand=products.brand.fillna("").to_numpy(dtype=object),
            price=price,
            margin=margin,
            on_hand=on_hand,
            overstock=np.nan_to_num(cover, nan=0.0),
            repeatable=repeatable,
        )


@dataclass(frozen=True)
class Rules:
    """The shop's rules for one request. Defaults are what most shops want."""

    in_stock_only: bool = True
    exclude_purchased: bool = True
    """Leave out what the customer bought before, except repeatable items (consumables)."""
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    min_price: float | None = None
    max_price: float | None = None
    max_per_category: int | None = None
    pinned: tuple[str, ...] = ()
    """Always shown first (when allowed), in this order."""
    banned: tuple[str, ...] = field(default_factory=tuple)
    boost: Literal["none", "margin", "overstock"] = "none"
    boost_weight: float = 0.2
    """How far a boost may move an item: a share of the score range."""


def allowed_mask(catalogue: Catalogue, rules: Rules) -> np.ndarray:
    """Products that may be shown at all under `rules`."""
    ok = np.ones(len(catalogue.product_ids), dtype=bool)
    if rules.in_stock_only:
        ok &= ~(catalogue.on_hand <= 0)  # NaN (no stock data) stays allowed
    if rules.categories:
        wanted = np.array(rules.categories, dtype=object)
        ok &= np.array([any(str(c).startswith(w) for w in wanted) for c in catalogue.category])
    if rules.brands:
        ok &= np.isin(catalogue.brand, np.array(rules.brands, dtype=object))
    if rules.min_price is not None:
        ok &= catalogue.price >= rules.min_price
    if rules.max_price is not None:
        ok &= catalogue.price <= rules.max_price
    if rules.banned:
        ok &= ~catalogue.product_ids.isin(list(rules.banned))
    return ok


def apply_rules(
    scores: np.ndarray, catalogue: Catalogue, rules: Rules, purchased: np.ndarray | None = None
) -> np.ndarray:
    """Scores (rows x items) with disallowed items at -inf, boosts added and pins on top.

    `purchased` is a boolean (rows x items) of what each customer already bought.
    """
    out = np.array(scores, dtype=np.float64, copy=True)
    out[:, ~allowed_mask(catalogue, rules)] = -np.inf
    if rules.exclude_purchased and purchased is not None:
        out[purchased & ~catalogue.repeatable[None, :]] = -np.inf
    if rules.boost != "none":
        signal = catalogue.margin if rules.boost == "margin" else catalogue.overstock
        signal = np.nan_to_num(signal, nan=0.0)
        spread = signal.max() - signal.min()
        if spread > 0:
            finite = np.isfinite(out)
            span = np.where(finite, out, np.nan)
            width = np.nanmax(span, axis=1, initial=0.0) - np.nanmin(span, axis=1, initial=0.0)
            scaled = (signal - signal.min()) / spread
            out = np.where(finite, out + rules.boost_weight * width[:, None] * scaled, out)
    if rules.pinned:
        top = np.where(np.isfinite(out), out, np.nan)
        ceiling = np.nanmax(top, axis=1, initial=0.0)
        positions = catalogue.product_ids.get_indexer(pd.Index(list(rules.pinned)))
        for rank, column in enumerate(positions):
            if column >= 0:
                pinned = np.isfinite(out[:, column])
                out[pinned, column] = ceiling[pinned] + len(positions) - rank
    return out


def diversify(items: np.ndarray, catalogue: Catalogue, max_per_category: int, k: int) -> np.ndarray:
    """Keep ranked items (best first, -1 for none) while each category has room; the first k."""
    out = np.full((items.shape[0], k), -1, dtype=np.int64)
    for row in range(items.shape[0]):
        counts: dict[object, int] = {}
        kept = 0
        for item in items[row]:
            if item < 0 or kept == k:
                break
            category = catalogue.category[item]
            if counts.get(category, 0) < max_per_category:
                counts[category] = counts.get(category, 0) + 1
                out[row, kept] = item
                kept += 1
    return out
