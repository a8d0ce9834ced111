"""The pricing engine: elasticities, profit-maximising prices within bounds, what-if, forecasts.

`fit` estimates every product's own-price elasticity (Poisson GLM on daily units with
category shrinkage, `elasticity.estimate_elasticities`), takes the current price (the newest
row of the `prices` table, else the catalogue's), cost, baseline units per day (mean of the
last `baseline_days`), and stock with the lead time, and optimises the prices under the default
`Bounds` (`optimize.price_recommendations`). A product whose own elasticity is not identified
borrows its category's pooled estimate, and its reason says so. `recommendation` re-optimises
one product under other bounds; `what_if` runs planned prices through the same demand curves;
`price_forecast` forecasts a product's weekly price with `price_forecast.PriceForecaster`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Self

import numpy as np
import pandas as pd
from scipy import stats

from shopmind.data.schema import DEFAULT_LOCATION
from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError, NotFoundError
from shopmind.forecast.base import ID, TARGET, TIME
from shopmind.forecast.engine import ForecastEngine
from shopmind.forecast.series import demand_frame
from shopmind.pricing.elasticity import estimate_elasticities
from shopmind.pricing.optimize import (
    Bounds,
    ConstantElasticity,
    Objective,
    PricingError,
    optimize_prices,
    price_recommendations,
)
from shopmind.pricing.price_forecast import PriceForecaster

__all__ = ["DEFAULT_BOUNDS", "PricingEngine"]

DEFAULT_BOUNDS: Final = Bounds(min_margin=0.1, max_change=0.1, endings=".99|.49")
"""Out of the box: keep a 10% margin, move at most 10% per step, end in .49 or .99."""


class PricingEngine:
    """Elasticity, current state and recommended price of every product."""

    name = "pricing"

    def __init__(
        self,
        *,
        bounds: Bounds = DEFAULT_BOUNDS,
        objective: Objective = "profit",
        baseline_days: int = 56,
        level: float = 0.9,
    ) -> None:
        self.bounds = bounds
        self.objective = objective
        self.baseline_days = baseline_days
        self.level = level

    def fit(self, shop: Shop) -> Self:
        estimates = estimate_elasticities(shop, confidence=self.level)
        if estimates.empty:
            raise InsufficientDataError("no product has sales and prices to learn demand from")
        self.elasticities_ = estimates
        self.products_ = self._state(shop, estimates)
        self.recommendations_ = self.recommend_prices(self.products_, self.bounds)
        self.price_history_ = _weekly_prices(shop)
        return self

    def _state(self, shop: Shop, estimates: pd.DataFrame) -> pd.DataFrame:
        products = shop.tables["products"].set_index("product_id")
        prices = shop.tables["prices"]
        current = products["price"].astype(np.float64)
        if not prices.empty:
            newest = prices.sort_values("valid_from").groupby("product_id")["price"].last()
            current = newest.reindex(products.index).fillna(current)
        demand = demand_frame(shop, freq="D", by_location=False, keep_inactive=True)
        recent = demand.groupby(ID).tail(self.baseline_days).groupby(ID)[TARGET].mean()
        state = pd.DataFrame(
            {
                "price": current,
                "cost": products["cost"].astype(np.float64),
                "category": products["category"].astype(str),
                "units": recent.reindex(products.index).fillna(0.0),
            }
        )
        ok = estimates["status"] == "ok"
        state["elasticity"] = estimates["elasticity"].where(ok, estimates["pooled_elasticity"])
        state["elasticity_std"] = estimates["std_error"].where(ok, estimates["pooled_std_error"])
        state["elasticity_source"] = np.where(
            ok.reindex(state.index, fill_value=False), "product", "category"
        )
        inventory = shop.tables["inventory"]
        if not inventory.empty:
            stock = inventory[inventory["location"].fillna(DEFAULT_LOCATION) == DEFAULT_LOCATION]
            stock = stock.set_index("product_id")
            state["stock"] = (stock["on_hand"] + stock["on_order"].fillna(0.0)).reindex(state.index)
            lead = stock["lead_time_days"].reindex(state.index).fillna(7.0)
            state["demand_to_delivery"] = state["units"] * lead
        usable = state["elasticity"].notna() & (state["price"] > 0) & state["cost"].notna()
        return state[usable].rename_axis("product_id").reset_index()

    def recommend_prices(self, products: pd.DataFrame, bounds: Bounds) -> pd.DataFrame:
        """All products at once; when the bounds contradict for some, those keep their price
        and their reason names the contradiction (the others are still optimised)."""
        try:
            table = price_recommendations(
                products, bounds, objective=self.objective, level=self.level
            )
        except PricingError:
            rows = []
            for _, row in products.iterrows():
                single = row.to_frame().T
                try:
                    rows.append(
                        price_recommendations(
                            single, bounds, objective=self.objective, level=self.level
                        )
                    )
                except PricingError as error:
                    rows.append(
                        single[["product_id", "price"]].assign(
                            recommended_price=single["price"],
                            change_pct=0.0,
                            binding="contradiction",
                            reason=f"kept: {error}",
                        )
                    )
            table = pd.concat(rows, ignore_index=True)
        return table.set_index("product_id")

    # --- answers ------------------------------------------------------------------------------

    def _row(self, product_id: str) -> pd.Series:
        rows = self.products_[self.products_["product_id"] == product_id]
        if rows.empty:
            known = product_id in self.elasticities_.index
            why = (
                "its demand cannot be modelled (no elasticity, price or cost)"
                if known
                else "it has no sales history"
            )
            raise NotFoundError(f"no price recommendation for product {product_id!r}: {why}")
        return rows.iloc[0]

    def recommendation(self, product_id: str, bounds: Bounds | None = None) -> dict[str, Any]:
        """The recommended price of one product (under `bounds`, default the engine's), the
        expected units, revenue and profit now and then with intervals, and the reason."""
        row = self._row(product_id)
        if bounds is None:
            answer = self.recommendations_.loc[product_id]
        else:
            answer = price_recommendations(
                row.to_frame().T, bounds, objective=self.objective, level=self.level
            ).iloc[0]
        return {
            "product_id": product_id,
            "elasticity": float(row["elasticity"]),
            "elasticity_std": float(row["elasticity_std"]),
            "elasticity_source": str(row["elasticity_source"]),
            **{str(k): _plain(v) for k, v in answer.items() if k != "product_id"},
        }

    def overview(self) -> pd.DataFrame:
        """Every priced product, best sellers first: product_id, category, units (per day),
        price, cost, recommended_price, change_pct, delta_profit (per day), binding and
        elasticity_source."""
        rec = self.recommendations_.reindex(self.products_["product_id"])
        frame = pd.DataFrame(
            {
                "product_id": self.products_["product_id"].astype(str).to_numpy(),
                "category": self.products_["category"].to_numpy(),
                "units": self.products_["units"].to_numpy(np.float64),
                "price": self.products_["price"].to_numpy(np.float64),
                "cost": self.products_["cost"].to_numpy(np.float64),
                "recommended_price": rec["recommended_price"].to_numpy(np.float64),
                "change_pct": rec["change_pct"].to_numpy(np.float64),
                "delta_profit": rec.get("delta_profit", pd.Series(np.nan, rec.index)).to_numpy(),
                "binding": rec["binding"].astype(str).to_numpy(),
                "elasticity_source": self.products_["elasticity_source"].to_numpy(),
            }
        )
        frame = frame.sort_values(["units", "product_id"], ascending=[False, True])
        return frame.reset_index(drop=True)

    def curve(
        self, product_id: str, points: int = 40, bounds: Bounds | None = None
    ) -> dict[str, Any]:
        """The demand and profit curves of one product over its search range (`points` prices,
        plus the current and recommended price): expected units, revenue and profit per day
        with `level` intervals from the elasticity's uncertainty, the recommended price under
        `bounds` (default the engine's) and the lowest and highest price those bounds allow."""
        if not 2 <= points <= 500:
            raise PricingError(f"points must lie within 2 and 500, not {points}")
        row = self._row(product_id)
        bounds = bounds or self.bounds
        price, cost = float(row["price"]), float(row["cost"])
        curve = ConstantElasticity(
            float(row["units"]), price, float(row["elasticity"]), float(row["elasticity_std"])
        )
        decision = optimize_prices(
            [product_id],
            [price],
            [cost],
            [curve],
            bounds,
            objective=self.objective,
            stock=[float(row.get("stock", np.nan))],
            demand_to_delivery=[float(row.get("demand_to_delivery", np.nan))],
            level=self.level,
        )[0]
        low, high = bounds.search_range
        grid = np.linspace(price * low, price * high, points)
        grid = np.unique(np.round(np.concatenate([grid, [price, decision.recommended_price]]), 2))
        z = float(stats.norm.ppf(0.5 + self.level / 2))
        units = curve(grid)
        edges = np.vstack(
            [curve.at(grid, curve.elasticity + sign * z * curve.elasticity_std) for sign in (-1, 1)]
        )
        units_lo, units_hi = edges.min(axis=0), edges.max(axis=0)
        margin = grid - cost
        profits = np.vstack([units_lo * margin, units_hi * margin])
        return {
            "product_id": product_id,
            "price": price,
            "cost": cost,
            "recommended_price": decision.recommended_price,
            "lower": decision.lower,
            "upper": decision.upper,
            "binding": decision.binding,
            "reason": decision.reason,
            "elasticity": curve.elasticity,
            "elasticity_std": curve.elasticity_std,
            "level": self.level,
            "prices": grid.tolist(),
            "units": units.tolist(),
            "units_lo": units_lo.tolist(),
            "units_hi": units_hi.tolist(),
            "revenue": (units * grid).tolist(),
            "profit": (units * margin).tolist(),
            "profit_lo": profits.min(axis=0).tolist(),
            "profit_hi": profits.max(axis=0).tolist(),
        }

    def what_if(
        self,
        prices: Mapping[str, float],
        forecast: ForecastEngine | None = None,
        horizon_days: int = 28,
    ) -> pd.DataFrame:
        """Expected units, revenue and profit per day at the planned `prices` (product_id ->
        new price) against the current ones, with `level` intervals from the elasticity's
        uncertainty (units, revenue and profit are monotone in it at fixed prices). With a
        fitted `forecast` engine the baseline is its mean forecast over the next
        `horizon_days` at today's price (seasonality and trend included), else recent sales."""
        if not prices:
            raise PricingError("a what-if needs at least one planned price")
        z = float(stats.norm.ppf(0.5 + self.level / 2))
        rows = []
        for product_id, planned in prices.items():
            row = self._row(str(product_id))
            new = float(planned)
            if not (np.isfinite(new) and new > 0):
                raise PricingError(f"the planned price of {product_id} must be positive")
            curve = ConstantElasticity(
                _baseline(row, forecast, horizon_days),
                float(row["price"]),
                float(row["elasticity"]),
                float(row["elasticity_std"]),
            )
            at = np.array([new])
            edges = [
                float(curve.at(at, curve.elasticity + sign * z * curve.elasticity_std)[0])
                for sign in (-1, 1)
            ]
            units = float(curve(at)[0])
            low, high = min(edges), max(edges)
            margin = new - float(row["cost"])
            rows.append(
                {
                    "product_id": str(product_id),
                    "price": float(row["price"]),
                    "planned_price": new,
                    "units_now": curve.units,
                    "units_new": units,
                    "units_new_lo": low,
                    "units_new_hi": high,
                    "revenue_now": curve.units * curve.price,
                    "revenue_new": units * new,
                    "profit_now": curve.units * (curve.price - float(row["cost"])),
                    "profit_new": units * margin,
                    "profit_new_lo": min(low * margin, high * margin),
                    "profit_new_hi": max(low * margin, high * margin),
                }
            )
        frame = pd.DataFrame(rows)
        frame["delta_units"] = frame["units_new"] - frame["units_now"]
        frame["delta_revenue"] = frame["revenue_new"] - frame["revenue_now"]
        frame["delta_profit"] = frame["profit_new"] - frame["profit_now"]
        return frame

    def category_what_if(
        self,
        category: str,
        change: float,
        forecast: ForecastEngine | None = None,
        horizon_days: int = 28,
    ) -> pd.DataFrame:
        """The what-if of changing every price of a category (prefix match) by `change`
        (0.05: 5% up)."""
        if not -0.9 < change < 10:
            raise PricingError(f"a price change must lie within -90% and +1000%, not {change}")
        mine = self.products_[self.products_["category"].str.startswith(category)]
        if mine.empty:
            raise NotFoundError(f"no priced product in category {category!r}")
        return self.what_if(
            {
                str(p): float(v) * (1 + change)
                for p, v in zip(mine.product_id, mine.price, strict=True)
            },
            forecast,
            horizon_days,
        )

    def price_forecast(self, product_id: str, h: int = 8) -> pd.DataFrame:
        """The next `h` weeks of the product's price with 80% and 95% intervals."""
        history = self.price_history_[self.price_history_[ID] == product_id]
        if history.empty:
            raise NotFoundError(f"no price history for product {product_id!r}")
        if history[TARGET].nunique() < 2:
            return _flat(history, h)
        # Naive + MSTL was the best setting on the avocado study's training windows
        model = PriceForecaster(
            freq="W-MON", season_length=52, models=("Naive", "MSTL"), top_k=2
        ).fit(history)
        return model.predict(h, (0.025, 0.1, 0.5, 0.9, 0.975))

    def evaluate(self, shop: Shop, **_: Any) -> dict[str, Any]:
        """How much the elasticities can be trusted, and what the recommendations promise."""
        estimates = estimate_elasticities(shop, confidence=self.level)
        ok = estimates["status"] == "ok"
        self.fit(shop)
        rec = self.recommendations_
        return {
            "products": len(estimates),
            "identified": int(ok.sum()),
            "median_elasticity": round(float(estimates.loc[ok, "elasticity"].median()), 3),
            "median_interval_width": round(
                float((estimates.loc[ok, "ci_high"] - estimates.loc[ok, "ci_low"]).median()), 3
            ),
            "price_changes": int((rec["recommended_price"] != rec["price"]).sum()),
            "expected_profit_change_per_day": round(float(rec["delta_profit"].sum()), 2),
        }


def _baseline(row: pd.Series, forecast: ForecastEngine | None, horizon_days: int) -> float:
    """Units per day at today's price: the forecast's mean over the horizon when there is one
    for the product (its default location), else the recent average."""
    if forecast is not None:
        try:
            series = forecast.series_id(str(row["product_id"]))
        except NotFoundError:
            return float(row["units"])
        ahead = forecast.forecast_.loc[[series], "mean"].head(horizon_days)
        return float(ahead.mean())
    return float(row["units"])


def _weekly_prices(shop: Shop) -> pd.DataFrame:
    """Weekly mean list price per product from the prices table (forward-filled days)."""
    prices = shop.tables["prices"]
    if prices.empty:
        return pd.DataFrame(columns=[ID, TIME, TARGET])
    frame = prices[prices["location"].fillna(DEFAULT_LOCATION) == DEFAULT_LOCATION]
    frame = frame.assign(ds=pd.to_datetime(frame["valid_from"]).dt.to_period("W-SUN"))
    weekly = frame.groupby(["product_id", "ds"])["price"].mean().reset_index()
    weekly["ds"] = weekly["ds"].dt.start_time
    full = []
    for product, rows in weekly.groupby("product_id"):
        series = rows.set_index("ds")["price"].asfreq("W-MON").ffill()
        full.append(pd.DataFrame({ID: str(product), TIME: series.index, TARGET: series.values}))
    return pd.concat(full, ignore_index=True) if full else weekly.rename(columns={"price": TARGET})


def _flat(history: pd.DataFrame, h: int) -> pd.DataFrame:
    last = history[TIME].max()
    price = float(history[TARGET].iloc[-1])
    dates = pd.date_range(last + pd.Timedelta(weeks=1), periods=h, freq="W-MON")
    frame = pd.DataFrame({ID: history[ID].iloc[0], TIME: dates, "mean": price})
    for q in (0.025, 0.1, 0.5, 0.9, 0.975):
        frame[f"q{q:g}"] = price
    return frame


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
